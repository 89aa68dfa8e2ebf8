import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { ManagedProcess, StartError, waitUntil, type ChildRegistry } from "./processes.ts";

export interface RedisServerOptions {
  /** e.g. redis-features. */
  readonly name: string;
  readonly port: number;
  /** Keep an append-only file fsync'd on every write, so a kill -9 loses nothing (the systems of record). */
  readonly persistent: boolean;
  readonly dataDir: string;
  readonly logDir: string;
  readonly registry: ChildRegistry;
}

/**
 * A redis-server of this run's own on a free port, in the foreground (not daemonized) so its pid is the
 * child's and a SIGKILL is a real crash. A non-persistent one comes back empty, like the cache Redis in
 * docker-compose; a persistent one replays its AOF.
 */
export class RedisServer {
  readonly name: string;
  readonly port: number;
  readonly persistent: boolean;
  readonly process: ManagedProcess;

  constructor(options: RedisServerOptions) {
    this.name = options.name;
    this.port = options.port;
    this.persistent = options.persistent;
    const dir = join(options.dataDir, options.name);
    mkdirSync(dir, { recursive: true });
    const persistence = options.persistent
      ? ["--appendonly", "yes", "--appendfsync", "always"]
      : ["--appendonly", "no"];
    this.process = new ManagedProcess({
      name: options.name,
      command: "redis-server",
      args: [
        "--port",
        String(options.port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        ...persistence,
        "--dir",
        dir,
        "--daemonize",
        "no",
        "--logfile",
        "",
      ],
      env: {},
      logDir: options.logDir,
      registry: options.registry,
    });
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it and waits for PING (10 s at most); the time it answered. */
  async start(): Promise<number> {
    this.process.start();
    let at: number | null;
    try {
      at = await waitUntil(
        () => this.ping(),
        10_000,
        25,
        () =>
          this.process.running
            ? null
            : `${this.name} did not start (${this.process.unexpectedExits.at(-1) ?? "it exited"}; log ${this.process.logFile})`,
      );
    } catch (error) {
      throw new StartError(this.name, (error as Error).message);
    }
    if (at === null)
      throw new StartError(this.name, `${this.name} did not answer PING within 10 s on port ${this.port}`);
    return at;
  }

  async kill(): Promise<void> {
    await this.process.kill();
  }

  async ping(): Promise<boolean> {
    const client = this.client();
    try {
      return (await client.ping()) === "PONG";
    } finally {
      client.disconnect();
    }
  }

  /** A short-lived client that fails fast (no retries, no offline queue). */
  client(): Redis {
    const client = new Redis(this.url, {
      lazyConnect: false,
      connectTimeout: 500,
      commandTimeout: 2_000,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: true,
      retryStrategy: () => null,
    });
    client.on("error", () => {});
    return client;
  }
}
