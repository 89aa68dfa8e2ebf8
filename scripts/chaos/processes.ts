import { spawn, type ChildProcess } from "node:child_process";
import {
  closeSync,
  existsSync,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  writeSync,
} from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

const MAX_LINE = 400;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A free TCP port on 127.0.0.1 (bound, read, released: a restart reuses it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Every child this run started, so that any way out (success, failure, SIGINT, an uncaught error) kills them
 * all by pid. Kills are synchronous so they also run from a process 'exit' handler.
 */
export class ChildRegistry {
  readonly #live = new Set<ChildProcess>();

  add(child: ChildProcess): void {
    this.#live.add(child);
    child.once("exit", () => this.#live.delete(child));
  }

  killAll(): number {
    let killed = 0;
    for (const child of this.#live) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(child.pid, "SIGKILL");
          killed += 1;
        } catch {
          // already gone
        }
      }
    }
    this.#live.clear();
    return killed;
  }
}

export interface ManagedOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly logDir: string;
  readonly registry: ChildRegistry;
}

/**
 * One supervised process (a subgraph, the gateway or a redis-server): started, SIGKILLed and restarted with
 * the same command, its stdout and stderr appended to `<logDir>/<name>.log` across restarts.
 */
export class ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  #child: ChildProcess | null = null;
  #starts = 0;
  /** Exits this run did not ask for (a crash), with their code or signal. */
  readonly unexpectedExits: string[] = [];
  #expectingExit = false;
  #logOffset = 0;

  constructor(private readonly options: ManagedOptions) {
    this.name = options.name;
    this.logFile = join(options.logDir, `${options.name}.log`);
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    const child = this.#child;
    return child !== null && child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  }

  start(): void {
    if (this.running) throw new Error(`${this.name} is already running`);
    this.#starts += 1;
    this.#logOffset = existsSync(this.logFile) ? statSync(this.logFile).size : 0;
    const fd = openSync(this.logFile, "a");
    writeSync(fd, `\n----- chaos: start #${this.#starts} of ${this.name} at ${new Date().toISOString()}\n`);
    const child = spawn(this.options.command, [...this.options.args], {
      cwd: repoRoot,
      env: { ...inheritedEnv(), ...this.options.env },
      stdio: ["ignore", fd, fd],
    });
    closeSync(fd);
    // A command that cannot start (not installed) gets no pid and an 'error' event, not an exit.
    child.once("error", () => {});
    if (child.pid === undefined)
      this.unexpectedExits.push(`${this.name}: could not spawn ${this.options.command}`);
    this.#expectingExit = false;
    child.once("exit", (code, signal) => {
      if (!this.#expectingExit) {
        this.unexpectedExits.push(
          `${this.name} exited (code ${code}, signal ${signal}) at ${new Date().toISOString()}`,
        );
      }
    });
    this.options.registry.add(child);
    this.#child = child;
  }

  /** SIGKILL (no graceful shutdown: the fault under test) and wait for the exit. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child === null || !this.running) return;
    this.#expectingExit = true;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGKILL");
    await exited;
  }

  /**
   * The first fatal log line since the last start ("failed to start" and the like), or null. A server whose
   * start failed may stay alive without listening (open handles), so waiting for it to be ready would only
   * run into the timeout.
   */
  fatalSinceStart(): string | null {
    try {
      const text = readFrom(this.logFile, this.#logOffset);
      const line = text.split("\n").find((l) => l.startsWith('{"level":"fatal"'));
      if (line === undefined) return null;
      const parsed = JSON.parse(line) as { msg?: string; err?: { message?: string } };
      return `${parsed.msg ?? "fatal"}: ${parsed.err?.message ?? ""}`.slice(0, 300);
    } catch {
      return null;
    }
  }

  /** The last `lines` lines of this process's log. */
  tail(lines = 40): string {
    try {
      const text = readFileSync(this.logFile, "utf8").trimEnd().split("\n");
      // JSON log lines carry stacks: keep each to a readable width.
      return text
        .slice(-lines)
        .map((line) => (line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)} …` : line))
        .join("\n");
    } catch {
      return "(no log)";
    }
  }
}

/** The text of a file from a byte offset (only what a process wrote since it was started). */
function readFrom(path: string, offset: number): string {
  const fd = openSync(path, "r");
  try {
    const length = Math.max(0, fstatSync(fd).size - offset);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, offset);
    return buffer.toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/**
 * What a child takes from this process's environment: only what running a program needs. Anything else
 * (a DATABASE_URL, REDIS_URL, LOG_LEVEL or FEATURE_STORE in a developer's shell or a CI job) could point a
 * server of the run at shared infrastructure or change what is measured.
 */
function inheritedEnv(): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "TZ"]) {
    const value = process.env[name];
    if (value !== undefined) kept[name] = value;
  }
  return kept;
}

/** `node --conditions=aisle-source --import tsx <entry>`: one process per server, no tsx wrapper in between. */
export function nodeEntry(entry: string): { command: string; args: string[] } {
  return { command: process.execPath, args: ["--conditions=aisle-source", "--import", "tsx", entry] };
}

/** A server of the run did not come up; names it, so its log is the one shown. */
export class StartError extends Error {
  constructor(
    readonly processName: string,
    message: string,
  ) {
    super(message);
    this.name = "StartError";
  }
}

/** Polls `check` every `intervalMs` until it resolves true or `timeoutMs` passes; the time it became true. */
export async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 50,
  abort?: () => string | null,
): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const reason = abort?.() ?? null;
    if (reason !== null) throw new Error(reason);
    try {
      if (await check()) return Date.now();
    } catch {
      // not yet
    }
    await sleep(intervalMs);
  }
  return null;
}
