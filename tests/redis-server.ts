import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A redis-server of a test's own on a free port, so the test may kill it (-9, by pid) and start it again on
 * the same port without touching the shared Redis on 6379. Nothing is persisted (`--save ""`,
 * `--appendonly no`): a restart comes back empty, like the cache Redis in compose.
 */
export interface OwnRedis {
  readonly port: number;
  readonly url: string;
  /** Pid of the running server (null while killed). */
  readonly pid: number | null;
  /** SIGKILL by pid; resolves once the process is gone and the port is closed. */
  kill9(): Promise<void>;
  /** Starts it again, empty, on the same port; resolves once it answers PING. */
  restart(): Promise<void>;
  /** Kills it (if running) and removes its working folder. */
  stop(): Promise<void>;
}

/** True when a `redis-server` binary is on the PATH (a test that starts its own skips without one). */
export function hasRedisServer(): boolean {
  return spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (chunk) => done(chunk.toString().startsWith("+PONG")));
  });
}

async function waitFor(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server: ${what} within ${ms} ms`);
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "aisle-redis-"));
  let child: ChildProcess | null = null;

  const start = async () => {
    const started = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
      { stdio: "ignore" },
    );
    child = started;
    started.once("exit", () => {
      if (child === started) child = null;
    });
    await waitFor(() => pings(port), "no PONG");
  };
  const kill9 = async () => {
    const running = child;
    if (running?.pid === undefined) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    process.kill(running.pid, "SIGKILL");
    await exited;
    await waitFor(async () => !(await pings(port)), "port still answering");
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid ?? null;
    },
    kill9,
    restart: start,
    stop: async () => {
      await kill9();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
