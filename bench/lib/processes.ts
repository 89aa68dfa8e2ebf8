import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

export interface ServerProcess {
  readonly name: string;
  readonly url: string;
  stop(): Promise<void>;
}

async function waitForReady(
  url: string,
  child: ChildProcess,
  name: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited with code ${child.exitCode} before it was ready`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${name} was not ready at ${url} within ${timeoutMs} ms`);
}

/** Starts a server in its own process (so it does not share an event loop with the load generator). */
export async function startProcess(options: {
  name: string;
  command: string;
  args: readonly string[];
  env: Record<string, string>;
  url: string;
  readyUrl: string;
}): Promise<ServerProcess> {
  const child = spawn(options.command, options.args, {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitForReady(options.readyUrl, child, options.name);
  } catch (error) {
    await stop();
    throw error;
  }
  return { name: options.name, url: options.url, stop };
}

/** `node --conditions=aisle-source --import tsx <entry>`: how the project's own servers run. */
export function tsxNode(entry: string): { command: string; args: string[] } {
  return { command: process.execPath, args: ["--conditions=aisle-source", "--import", "tsx", entry] };
}
