import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const fixture = fileURLToPath(new URL("./testing/failing-start.fixture.ts", import.meta.url));

describe("runUntilSignalled", () => {
  it("exits 1 when the start fails, even with handles still open", async () => {
    const child = spawn(process.execPath, ["--conditions=aisle-source", "--import", "tsx", fixture], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    clearTimeout(killer);
    expect(code).toBe(1);
    expect(output).toContain("failed to start");
  });
});
