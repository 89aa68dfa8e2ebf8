import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

export interface ServerProcess {
  readonly name: string;
  readonly url: string;
  /** The server's process id (its CPU time and memory are read from /proc). */
  readonly pid: number;
  stop(): Promise<void>;
}

async function waitForReady(
  url: string,
  child: ChildProcess,
  name: string,
  readyQuery: string | undefined,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited with code ${child.exitCode} before it was ready`);
    try {
      const response =
        readyQuery === undefined
          ? await fetch(url)
          : await fetch(url, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ query: readyQuery }),
            });
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
  /** POST this query to readyUrl instead of a GET (servers with no health endpoint). */
  readyQuery?: string;
}): Promise<ServerProcess> {
  const child = spawn(options.command, options.args, {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    // The server's own output (its log) goes to this process's stderr: stdout carries the bench's result.
    stdio: ["ignore", process.stderr, "inherit"],
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
    await waitForReady(options.readyUrl, child, options.name, options.readyQuery);
  } catch (error) {
    await stop();
    throw error;
  }
  return { name: options.name, url: options.url, pid: child.pid ?? -1, stop };
}

/** `node --conditions=aisle-source --import tsx <entry>`: how the project's own servers run. */
export function tsxNode(entry: string): { command: string; args: string[] } {
  return { command: process.execPath, args: ["--conditions=aisle-source", "--import", "tsx", entry] };
}

/** A port nobody listens on right now (the benchmarks never use the demo's fixed ports). */
export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  /** User plus system CPU time, in clock ticks. */
  readonly ticks: number;
  /** Resident set size, in pages. */
  readonly rssPages: number;
}

const CLOCK_TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;

async function procStats(): Promise<ProcStat[]> {
  const { readdir, readFile } = await import("node:fs/promises");
  const stats: ProcStat[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = await readFile(`/proc/${entry}/stat`, "utf8");
      // Fields after the command name, which is in parentheses and may hold spaces.
      const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
      stats.push({
        pid: Number(entry),
        ppid: Number(fields[1]),
        ticks: Number(fields[11]) + Number(fields[12]),
        rssPages: Number(fields[21]),
      });
    } catch {
      // the process ended meanwhile
    }
  }
  return stats;
}

/** CPU seconds (user + system) and resident memory of a process and all its descendants (Linux /proc). */
export async function processUsage(pid: number): Promise<{ cpuSeconds: number; rssBytes: number }> {
  const stats = await procStats();
  const tree = new Set([pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of stats) {
      if (!tree.has(s.pid) && tree.has(s.ppid)) {
        tree.add(s.pid);
        grew = true;
      }
    }
  }
  const mine = stats.filter((s) => tree.has(s.pid));
  return {
    cpuSeconds: mine.reduce((sum, s) => sum + s.ticks, 0) / CLOCK_TICKS_PER_SECOND,
    rssBytes: mine.reduce((sum, s) => sum + s.rssPages, 0) * PAGE_BYTES,
  };
}
