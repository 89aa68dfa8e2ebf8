import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

const root = new URL("../", import.meta.url);
const read = (path: string) => readFile(new URL(path, root), "utf8");

describe("Dockerfile", () => {
  it("copies every workspace's manifest before npm ci (npm ci fails without one)", async () => {
    const { workspaces } = JSON.parse(await read("package.json")) as { workspaces: string[] };
    const dockerfile = await read("Dockerfile");
    const missing = workspaces.filter((w) => !dockerfile.includes(`COPY ${w}/package.json ${w}/\n`));
    expect(missing).toEqual([]);
  });
});
