import { spawnSync } from "node:child_process";
import { generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type ChildRegistry,
  freePort,
  ManagedProcess,
  nodeEntry,
  sleep,
  StartError,
  waitUntil,
} from "./processes.ts";
import { RedisServer } from "./redis.ts";

/** The subgraphs, each started from its own main.ts in its own process. */
export const SUBGRAPH_NAMES = [
  "catalog",
  "user-profile",
  "recommendation",
  "search",
  "logistics",
  "payment-risk",
  "pricing",
] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

/**
 * The two Redis roles (see docker-compose.yml): `redis-features` is a cache (feature store, rate limits), kept
 * nowhere, so a restart comes back empty; `redis-durable` holds systems of record (payment-risk's assessment
 * log and, where the user-profile config lets it be pointed apart, the behaviour event stream) with an fsync'd
 * append-only file, so a restart keeps them.
 */
export type RedisRole = "redis-features" | "redis-durable";
export type Dependency = SubgraphName | RedisRole;

/** A server process of the stack: where it listens and how to tell that it is up. */
export class Server {
  constructor(
    readonly name: string,
    readonly port: number,
    readonly process: ManagedProcess,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/graphql`;
  }

  async ready(): Promise<boolean> {
    const response = await fetch(`http://127.0.0.1:${this.port}/readyz`, {
      signal: AbortSignal.timeout(1_000),
    });
    await response.arrayBuffer();
    return response.status === 200;
  }

  /** Starts the process and waits for /readyz; the time it became ready. */
  async start(timeoutMs: number): Promise<number> {
    this.process.start();
    let at: number | null;
    try {
      at = await waitUntil(
        () => this.ready(),
        timeoutMs,
        50,
        () => {
          if (!this.process.running)
            return `${this.name} exited before it was ready (${this.process.unexpectedExits.at(-1) ?? "no exit recorded"})`;
          const fatal = this.process.fatalSinceStart();
          return fatal === null ? null : `${this.name} failed to start and is not listening: ${fatal}`;
        },
      );
    } catch (error) {
      throw new StartError(this.name, (error as Error).message);
    }
    if (at === null)
      throw new StartError(this.name, `${this.name} was not ready within ${timeoutMs / 1000} s`);
    return at;
  }
}

export interface StackOptions {
  readonly workDir: string;
  readonly registry: ChildRegistry;
  /**
   * Name of the user-profile variable that points the event stream at a Redis of its own, if the config has
   * one (then it goes to redis-durable); without it the stream shares REDIS_URL with the feature store.
   */
  readonly eventStreamUrlVariable: string | null;
}

/** Everything the load and the checks need to reach the stack. */
export class Stack {
  readonly logDir: string;
  readonly redis: Record<RedisRole, RedisServer>;
  readonly subgraphs: Record<SubgraphName, Server>;
  readonly gateway: Server;
  /** Signs the callers' bearer tokens; its public key is the gateway's AUTH_PUBLIC_KEY_FILE. */
  readonly signingKey: KeyObject;
  /** Where the behaviour event stream lives in this run. */
  readonly eventStreamRedis: RedisRole;

  private constructor(init: {
    logDir: string;
    redis: Record<RedisRole, RedisServer>;
    subgraphs: Record<SubgraphName, Server>;
    gateway: Server;
    signingKey: KeyObject;
    eventStreamRedis: RedisRole;
  }) {
    this.logDir = init.logDir;
    this.redis = init.redis;
    this.subgraphs = init.subgraphs;
    this.gateway = init.gateway;
    this.signingKey = init.signingKey;
    this.eventStreamRedis = init.eventStreamRedis;
  }

  /** Builds the processes (nothing runs yet): free ports, a fresh secret and key pair, production settings. */
  static async create(options: StackOptions): Promise<Stack> {
    const logDir = join(options.workDir, "logs");
    const dataDir = join(options.workDir, "data");
    mkdirSync(logDir, { recursive: true });
    mkdirSync(dataDir, { recursive: true });
    const { registry } = options;

    const redis: Record<RedisRole, RedisServer> = {
      "redis-features": new RedisServer({
        name: "redis-features",
        port: await freePort(),
        persistent: false,
        dataDir,
        logDir,
        registry,
      }),
      "redis-durable": new RedisServer({
        name: "redis-durable",
        port: await freePort(),
        persistent: true,
        dataDir,
        logDir,
        registry,
      }),
    };
    const features = redis["redis-features"].url;
    const durable = redis["redis-durable"].url;

    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const publicKeyFile = join(options.workDir, "auth-public.pem");
    writeFileSync(publicKeyFile, publicKey.export({ type: "spki", format: "pem" }));

    const common: Record<string, string> = {
      NODE_ENV: "production",
      // Every Redis this run's processes talk to is its own: variables left unset would default to the
      // shared 127.0.0.1:6379 (the check in sharedRedisUsers catches one added later and not set here).
      REDIS_URL: features,
      AISLE_REPLAY_STORE: "redis",
      AISLE_REPLAY_REDIS_URL: features,
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      AISLE_INTERNAL_SECRET: randomBytes(24).toString("hex"),
      APOLLO_TELEMETRY_DISABLED: "true",
      SHUTDOWN_GRACE_MS: "2000",
    };
    const subgraphEnv: Record<SubgraphName, Record<string, string>> = {
      catalog: {},
      "user-profile": {
        FEATURE_STORE: "redis",
        REDIS_URL: features,
        EVENT_STREAM: "redis",
        EVENT_CONSUMER: "updater-chaos",
        ...(options.eventStreamUrlVariable === null ? {} : { [options.eventStreamUrlVariable]: durable }),
      },
      recommendation: { FEATURE_STORE: "redis", REDIS_URL: features },
      search: { SEARCH_BACKEND: "embedded" },
      logistics: {
        FEATURE_STORE: "redis",
        REDIS_URL: features,
        LOGISTICS_DATA_DIR: join(dataDir, "logistics"),
      },
      "payment-risk": {
        RISK_BACKEND: "redis",
        REDIS_URL: durable,
        RISK_DATA_DIR: join(dataDir, "payment-risk"),
      },
      pricing: { FEATURE_STORE: "redis", REDIS_URL: features, PRICING_SEED_FEATURES: "always" },
    };

    const subgraphs = {} as Record<SubgraphName, Server>;
    const gatewayUrls: Record<string, string> = {};
    for (const name of SUBGRAPH_NAMES) {
      const port = await freePort();
      const entry = nodeEntry(`subgraphs/${name}/src/main.ts`);
      const server = new Server(
        name,
        port,
        new ManagedProcess({
          name,
          ...entry,
          env: { ...common, ...subgraphEnv[name], PORT: String(port) },
          logDir,
          registry,
        }),
      );
      subgraphs[name] = server;
      gatewayUrls[`${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_URL`] = server.url;
    }
    const gatewayPort = await freePort();
    const gateway = new Server(
      "gateway",
      gatewayPort,
      new ManagedProcess({
        name: "gateway",
        ...nodeEntry("gateway/src/main.ts"),
        env: {
          ...common,
          ...gatewayUrls,
          PORT: String(gatewayPort),
          AUTH_PUBLIC_KEY_FILE: publicKeyFile,
          RATE_LIMIT_STORE: "redis",
          REDIS_URL: features,
          // The load is a handful of callers on one IP: limits that never trip, the Redis limiter still in the path.
          RATE_LIMIT_ANONYMOUS_PER_MINUTE: "1000000",
          RATE_LIMIT_USER_PER_MINUTE: "1000000",
          RATE_LIMIT_SERVICE_PER_MINUTE: "1000000",
        },
        logDir,
        registry,
      }),
    );
    return new Stack({
      logDir,
      redis,
      subgraphs,
      gateway,
      signingKey: privateKey,
      eventStreamRedis: options.eventStreamUrlVariable === null ? "redis-features" : "redis-durable",
    });
  }

  /** Redis first, then the subgraphs (all at once: they share nothing at start), then the gateway. */
  async start(): Promise<void> {
    await Promise.all(Object.values(this.redis).map((r) => r.start()));
    // Seven servers share the CPUs at start (catalog prepares its PGlite database when no cached copy exists).
    await Promise.all(Object.values(this.subgraphs).map((s) => s.start(120_000)));
    await this.gateway.start(60_000);
  }

  allProcesses(): ManagedProcess[] {
    return [
      ...Object.values(this.redis).map((r) => r.process),
      ...Object.values(this.subgraphs).map((s) => s.process),
      this.gateway.process,
    ];
  }

  processOf(dependency: Dependency | "gateway"): ManagedProcess {
    if (dependency === "gateway") return this.gateway.process;
    if (dependency === "redis-features" || dependency === "redis-durable")
      return this.redis[dependency].process;
    return this.subgraphs[dependency].process;
  }

  async kill(dependency: Dependency): Promise<void> {
    if (dependency === "redis-features" || dependency === "redis-durable")
      await this.redis[dependency].kill();
    else await this.subgraphs[dependency].process.kill();
  }

  /** Starts it again on the same port; resolves the time it is back (PING, or /readyz for a subgraph). */
  async restart(dependency: Dependency): Promise<number> {
    if (dependency === "redis-features" || dependency === "redis-durable")
      return this.redis[dependency].start();
    return this.subgraphs[dependency].start(60_000);
  }

  /**
   * Processes of this run holding a connection to the shared Redis on 127.0.0.1:6379 (a Redis variable this
   * stack does not set and that defaults there), from `ss -tnp`; null when `ss` cannot tell.
   */
  sharedRedisUsers(): string[] | null {
    const result = spawnSync("ss", ["-Htnp", "dport = :6379"], { encoding: "utf8", timeout: 5_000 });
    if (result.status !== 0 || typeof result.stdout !== "string") return null;
    const pids = new Set([...result.stdout.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])));
    return this.allProcesses()
      .filter((p) => p.pid !== undefined && pids.has(p.pid))
      .map((p) => `${p.name} (pid ${p.pid})`);
  }

  /** Stops everything: SIGKILL is fine here, the run is over and every log line is already on disk. */
  async stop(): Promise<void> {
    await Promise.all(this.allProcesses().map((p) => p.kill()));
    await sleep(0);
  }
}
