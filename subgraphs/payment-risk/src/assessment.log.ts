import { createHash } from "node:crypto";
import { mkdirSync, existsSync, renameSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { NdjsonAppender, readNdjson, redisCall, ReplyError, type Logger, type Redis } from "@aisle/kit";

/** Labels reported back for retraining. */
export const OUTCOMES = ["fraud", "chargeback", "legitimate"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** One reason, as recorded. */
export interface ReasonRecord {
  readonly code: string;
  readonly feature: string;
  readonly message: string;
  readonly value: number;
  readonly contribution: number;
}

/**
 * What is recorded per assessment: ids, the decision, the model's inputs (derived numbers) and a hash of the
 * raw input; never the raw input itself (no IP, e-mail domain, addresses or device ids).
 */
export interface AssessmentRecord {
  readonly id: string;
  readonly at: string;
  readonly orderId: string;
  readonly userId: string;
  /** sha256 of the canonical input JSON. */
  readonly inputHash: string;
  readonly score: number;
  readonly level: string;
  readonly action: string;
  readonly decidedBy: { readonly id: string; readonly action: string; readonly description: string } | null;
  readonly ruleHits: readonly string[];
  readonly reasons: readonly ReasonRecord[];
  readonly modelVersion: string;
  readonly rulesVersion: string;
  readonly degraded: boolean;
  readonly degradedReasons: readonly string[];
  readonly features: readonly number[];
}

export interface OutcomeRecord {
  readonly assessmentId: string;
  readonly outcome: Outcome;
  readonly at: string;
}

export interface Written<T> {
  /** False when the same id (or id + outcome) was already recorded: the stored record is returned. */
  readonly created: boolean;
  readonly record: T;
}

/**
 * The durable log of assessments and outcomes. `record` resolves only once the record is durable (fsync'd
 * file, or acknowledged by Redis, or fsync'd to the local spool when Redis is down); the same id twice is one
 * record.
 */
export interface AssessmentLog {
  readonly kind: "file" | "redis";
  record(record: AssessmentRecord): Promise<Written<AssessmentRecord>>;
  recordOutcome(outcome: OutcomeRecord): Promise<Written<OutcomeRecord>>;
  get(ids: readonly string[]): Promise<(AssessmentRecord | null)[]>;
  /** Newest first. */
  byUser(userId: string, limit: number): Promise<AssessmentRecord[]>;
  outcomes(assessmentId: string): Promise<OutcomeRecord[]>;
  close(): Promise<void>;
}

/** sha256 of a value's canonical JSON (object keys sorted), hex. */
export function fingerprint(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

type Line = { type: "assessment"; record: AssessmentRecord } | { type: "outcome"; record: OutcomeRecord };

function readLines(path: string): Line[] {
  return readNdjson<Line>(path);
}

/** In-memory indexes over records, shared by the file log and the Redis log's spool. */
class RecordIndex {
  readonly assessments = new Map<string, AssessmentRecord>();
  readonly outcomes = new Map<string, OutcomeRecord[]>();
  readonly byUser = new Map<string, string[]>();

  add(line: Line): boolean {
    if (line.type === "assessment") {
      if (this.assessments.has(line.record.id)) return false;
      this.assessments.set(line.record.id, line.record);
      const list = this.byUser.get(line.record.userId) ?? [];
      list.push(line.record.id);
      this.byUser.set(line.record.userId, list);
      return true;
    }
    const list = this.outcomes.get(line.record.assessmentId) ?? [];
    if (list.some((o) => o.outcome === line.record.outcome)) return false;
    list.push(line.record);
    this.outcomes.set(line.record.assessmentId, list);
    return true;
  }

  existingOutcome(record: OutcomeRecord): OutcomeRecord | undefined {
    return this.outcomes.get(record.assessmentId)?.find((o) => o.outcome === record.outcome);
  }

  recent(userId: string, limit: number): AssessmentRecord[] {
    const ids = this.byUser.get(userId) ?? [];
    return ids
      .slice(-limit)
      .reverse()
      .map((id) => this.assessments.get(id))
      .filter((r): r is AssessmentRecord => r !== undefined);
  }
}

/**
 * The embedded default: `<dir>/assessments.ndjson`, append-only and fsync'd before `record` resolves,
 * indexed in memory at start (replayed from the file, so a restart keeps everything).
 */
export class FileAssessmentLog implements AssessmentLog {
  readonly kind = "file" as const;
  readonly #index = new RecordIndex();
  readonly #appender: NdjsonAppender;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, "assessments.ndjson");
    for (const line of readLines(path)) this.#index.add(line);
    this.#appender = new NdjsonAppender(path);
  }

  async record(record: AssessmentRecord): Promise<Written<AssessmentRecord>> {
    const existing = this.#index.assessments.get(record.id);
    if (existing !== undefined) return { created: false, record: existing };
    // Indexed before the write so that a concurrent duplicate sees it; visible to readers once durable.
    this.#index.add({ type: "assessment", record });
    try {
      await this.#appender.append(JSON.stringify({ type: "assessment", record }));
    } catch (error) {
      this.#index.assessments.delete(record.id);
      throw error;
    }
    return { created: true, record };
  }

  async recordOutcome(record: OutcomeRecord): Promise<Written<OutcomeRecord>> {
    const existing = this.#index.existingOutcome(record);
    if (existing !== undefined) return { created: false, record: existing };
    if (!this.#index.assessments.has(record.assessmentId))
      throw new UnknownAssessmentError(record.assessmentId);
    this.#index.add({ type: "outcome", record });
    await this.#appender.append(JSON.stringify({ type: "outcome", record }));
    return { created: true, record };
  }

  async get(ids: readonly string[]): Promise<(AssessmentRecord | null)[]> {
    return ids.map((id) => this.#index.assessments.get(id) ?? null);
  }

  /** Disk flushes so far (group commit: concurrent records share one). */
  get flushes(): number {
    return this.#appender.flushes;
  }

  async byUser(userId: string, limit: number): Promise<AssessmentRecord[]> {
    return this.#index.recent(userId, limit);
  }

  async outcomes(assessmentId: string): Promise<OutcomeRecord[]> {
    return this.#index.outcomes.get(assessmentId) ?? [];
  }

  async close(): Promise<void> {
    await this.#appender.close();
  }
}

/**
 * Records an assessment once: SET NX of the record, then XADD to the assessments stream and ZADD to the
 * user's index. Returns 1 when created, else the stored record.
 */
const RECORD_LUA = `
if redis.call('SET', KEYS[1], ARGV[2], 'NX') then
  redis.call('XADD', KEYS[2], '*', 'id', ARGV[1], 'record', ARGV[2])
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
  return 1
end
return redis.call('GET', KEYS[1])
`;
/** Records an outcome once per (assessment, outcome): HSETNX then XADD. -1 when the assessment is unknown. */
const OUTCOME_LUA = `
if redis.call('EXISTS', KEYS[3]) == 0 then return -1 end
if redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[3]) == 1 then
  redis.call('XADD', KEYS[2], '*', 'assessmentId', ARGV[1], 'outcome', ARGV[2], 'at', ARGV[3])
  return 1
end
return 0
`;

export class UnknownAssessmentError extends Error {
  constructor(readonly assessmentId: string) {
    super(`assessment ${assessmentId} is not recorded`);
    this.name = "UnknownAssessmentError";
  }
}

export interface RedisLogOptions {
  readonly prefix: string;
  /** Folder of the local spool used while Redis is unreachable. */
  readonly spoolDir: string;
  /** Bound on one Redis call; past it the record goes to the spool. Default 150 ms. */
  readonly timeoutMs: number;
  /** How often a non-empty spool is retried. Default 1000 ms. */
  readonly catchUpIntervalMs?: number;
  readonly log: Logger;
}

type RiskRedis = Redis & {
  riskRecord(
    k1: string,
    k2: string,
    k3: string,
    id: string,
    json: string,
    score: number,
  ): Promise<number | string>;
  riskOutcome(k1: string, k2: string, k3: string, id: string, outcome: string, at: string): Promise<number>;
};

/**
 * Rejects after `ms` so that a hung Redis never holds an answer past the latency budget (the kit's
 * `redisCall`: an outage is a RedisUnavailableError, a ReplyError passes through).
 */
export function redisDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return redisCall(promise, ms, what);
}

/**
 * Production log: Redis Streams (`<prefix>stream:assessments`, `<prefix>stream:outcomes`) plus a record
 * per assessment for reads. When Redis fails or is slower than the timeout, the record is fsync'd to a local
 * spool (`<spoolDir>/spool.ndjson`) instead, served from memory, and replayed into Redis (idempotently) as
 * soon as Redis answers again: on the client's `ready` event and on a timer while the spool is not empty.
 */
export class RedisAssessmentLog implements AssessmentLog {
  readonly kind = "redis" as const;
  readonly #redis: RiskRedis;
  readonly #spoolPath: string;
  readonly #draining: string;
  readonly #spooled = new RecordIndex();
  #spool: NdjsonAppender;
  #catchingUp: Promise<number> | undefined;
  readonly #timer: NodeJS.Timeout;
  readonly #onReady: () => void;

  constructor(
    redis: Redis,
    private readonly options: RedisLogOptions,
  ) {
    this.#redis = redis as RiskRedis;
    if (typeof this.#redis.riskRecord !== "function") {
      redis.defineCommand("riskRecord", { numberOfKeys: 3, lua: RECORD_LUA });
      redis.defineCommand("riskOutcome", { numberOfKeys: 3, lua: OUTCOME_LUA });
    }
    mkdirSync(options.spoolDir, { recursive: true });
    this.#spoolPath = join(options.spoolDir, "spool.ndjson");
    this.#draining = join(options.spoolDir, "spool.draining.ndjson");
    for (const path of [this.#draining, this.#spoolPath])
      for (const line of readLines(path)) this.#spooled.add(line);
    this.#spool = new NdjsonAppender(this.#spoolPath);
    this.#onReady = () => void this.catchUp();
    redis.on("ready", this.#onReady);
    this.#timer = setInterval(() => {
      if (this.spooledCount > 0) void this.catchUp();
    }, options.catchUpIntervalMs ?? 1_000);
    this.#timer.unref();
  }

  get streamKey(): string {
    return `${this.options.prefix}stream:assessments`;
  }

  get outcomeStreamKey(): string {
    return `${this.options.prefix}stream:outcomes`;
  }

  /** Records waiting in the local spool. */
  get spooledCount(): number {
    let outcomes = 0;
    for (const list of this.#spooled.outcomes.values()) outcomes += list.length;
    return this.#spooled.assessments.size + outcomes;
  }

  #keys(id: string): { record: string; outcomes: string } {
    return { record: `${this.options.prefix}ra:${id}`, outcomes: `${this.options.prefix}ro:${id}` };
  }

  async #redisRecord(record: AssessmentRecord): Promise<Written<AssessmentRecord>> {
    const json = JSON.stringify(record);
    const reply = await redisDeadline(
      this.#redis.riskRecord(
        this.#keys(record.id).record,
        this.streamKey,
        `${this.options.prefix}user:${record.userId}`,
        record.id,
        json,
        Date.parse(record.at),
      ),
      this.options.timeoutMs,
      "assessment log",
    );
    if (reply === 1) return { created: true, record };
    return { created: false, record: JSON.parse(String(reply)) as AssessmentRecord };
  }

  async #redisOutcome(record: OutcomeRecord): Promise<Written<OutcomeRecord>> {
    const keys = this.#keys(record.assessmentId);
    const reply = await redisDeadline(
      this.#redis.riskOutcome(
        keys.outcomes,
        this.outcomeStreamKey,
        keys.record,
        record.assessmentId,
        record.outcome,
        record.at,
      ),
      this.options.timeoutMs,
      "outcome log",
    );
    if (reply === -1) throw new UnknownAssessmentError(record.assessmentId);
    return { created: reply === 1, record };
  }

  async record(record: AssessmentRecord): Promise<Written<AssessmentRecord>> {
    const spooled = this.#spooled.assessments.get(record.id);
    if (spooled !== undefined) return { created: false, record: spooled };
    try {
      return await this.#redisRecord(record);
    } catch (error) {
      // Redis answered with an error: a bug, not an outage; spooling would only replay the failure.
      if (error instanceof ReplyError) throw error;
      this.options.log.warn(
        { err: (error as Error).message, id: record.id },
        "Redis unavailable; assessment spooled locally",
      );
      if (!this.#spooled.add({ type: "assessment", record }))
        return { created: false, record: this.#spooled.assessments.get(record.id) ?? record };
      await this.#spool.append(JSON.stringify({ type: "assessment", record }));
      return { created: true, record };
    }
  }

  async recordOutcome(record: OutcomeRecord): Promise<Written<OutcomeRecord>> {
    const existing = this.#spooled.existingOutcome(record);
    if (existing !== undefined) return { created: false, record: existing };
    try {
      return await this.#redisOutcome(record);
    } catch (error) {
      if (error instanceof ReplyError) throw error;
      if (error instanceof UnknownAssessmentError && !this.#spooled.assessments.has(record.assessmentId))
        throw error;
      this.#spooled.add({ type: "outcome", record });
      await this.#spool.append(JSON.stringify({ type: "outcome", record }));
      return { created: true, record };
    }
  }

  /**
   * Replays the spool into Redis. The spool file is renamed first, so records spooled meanwhile go to a new
   * file; a replay that fails half-way leaves the rest for the next attempt (replays are idempotent).
   * Resolves to the number of records replayed.
   */
  catchUp(): Promise<number> {
    this.#catchingUp ??= this.#catchUp().finally(() => (this.#catchingUp = undefined));
    return this.#catchingUp;
  }

  async #catchUp(): Promise<number> {
    if (this.spooledCount === 0) return 0;
    if (!existsSync(this.#draining)) {
      await this.#spool.close();
      if (existsSync(this.#spoolPath)) renameSync(this.#spoolPath, this.#draining);
      this.#spool = new NdjsonAppender(this.#spoolPath);
    }
    let replayed = 0;
    const lines = readLines(this.#draining);
    for (const line of lines) {
      try {
        if (line.type === "assessment") await this.#redisRecord(line.record);
        else await this.#redisOutcome(line.record);
      } catch (error) {
        if (error instanceof ReplyError || error instanceof UnknownAssessmentError) {
          // A record Redis refuses would block the spool forever: set it aside, keep going.
          this.options.log.error(
            { err: (error as Error).message },
            "spooled record refused by Redis; moved to spool.rejected.ndjson",
          );
          const rejected = new NdjsonAppender(join(this.options.spoolDir, "spool.rejected.ndjson"));
          await rejected.append(JSON.stringify(line));
          await rejected.close();
          continue;
        }
        this.options.log.debug(
          { err: (error as Error).message },
          "spool catch-up paused; Redis still unavailable",
        );
        return replayed;
      }
      replayed += 1;
    }
    unlinkSync(this.#draining);
    for (const line of lines) {
      if (line.type === "assessment") this.#spooled.assessments.delete(line.record.id);
      else this.#spooled.outcomes.delete(line.record.assessmentId);
    }
    for (const line of readLines(this.#spoolPath)) this.#spooled.add(line);
    if (replayed > 0) this.options.log.info({ replayed }, "spooled assessments replayed into Redis");
    return replayed;
  }

  async get(ids: readonly string[]): Promise<(AssessmentRecord | null)[]> {
    const keys = ids.map((id) => this.#keys(id).record);
    let stored: (string | null)[] = ids.map(() => null);
    if (keys.length > 0) {
      try {
        stored = await redisDeadline(this.#redis.mget(...keys), this.options.timeoutMs, "assessment read");
      } catch {
        // Redis down: only what is spooled can be read.
      }
    }
    return ids.map((id, i) => {
      const raw = stored[i];
      return raw != null
        ? (JSON.parse(raw) as AssessmentRecord)
        : (this.#spooled.assessments.get(id) ?? null);
    });
  }

  async byUser(userId: string, limit: number): Promise<AssessmentRecord[]> {
    let ids: string[] = [];
    try {
      ids = await redisDeadline(
        this.#redis.zrevrange(`${this.options.prefix}user:${userId}`, 0, limit - 1),
        this.options.timeoutMs,
        "assessment read",
      );
    } catch {
      // Redis down: spooled records only.
    }
    const found = (await this.get(ids)).filter((r): r is AssessmentRecord => r !== null);
    const spooled = this.#spooled.recent(userId, limit).filter((r) => !ids.includes(r.id));
    return [...spooled, ...found].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, limit);
  }

  async outcomes(assessmentId: string): Promise<OutcomeRecord[]> {
    const spooled = this.#spooled.outcomes.get(assessmentId) ?? [];
    let stored: Record<string, string> = {};
    try {
      stored = await redisDeadline(
        this.#redis.hgetall(this.#keys(assessmentId).outcomes),
        this.options.timeoutMs,
        "outcome read",
      );
    } catch {
      // Redis down.
    }
    const fromRedis = Object.entries(stored).map(([outcome, at]) => ({
      assessmentId,
      outcome: outcome as Outcome,
      at,
    }));
    return [...fromRedis, ...spooled.filter((s) => !fromRedis.some((r) => r.outcome === s.outcome))];
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#redis.off("ready", this.#onReady);
    await this.#catchingUp;
    await this.#spool.close();
  }
}
