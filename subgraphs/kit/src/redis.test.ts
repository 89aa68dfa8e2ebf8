import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";
import {
  ConnectionWarnings,
  reconnectDelayMs,
  redisCall,
  redisClient,
  RedisUnavailableError,
  ReplyError,
} from "./redis.ts";

function recordingLog() {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const log = createLogger("test", "silent");
  const record =
    (level: string) =>
    (fields: Record<string, unknown>, msg: string): void => {
      lines.push({ level, msg, fields });
    };
  return {
    lines,
    log: Object.assign(Object.create(log) as typeof log, { warn: record("warn"), info: record("info") }),
  };
}

describe("redisClient policy", () => {
  it("fails fast: no offline queue, no per-request retry, no resend, every command bounded", () => {
    const { log } = recordingLog();
    const client = redisClient({
      url: "redis://127.0.0.1:1",
      name: "t",
      log,
      lazyConnect: true,
      commandTimeoutMs: 250,
    });
    try {
      expect(client.options.enableOfflineQueue).toBe(false);
      expect(client.options.maxRetriesPerRequest).toBe(0);
      expect(client.options.autoResendUnfulfilledCommands).toBe(false);
      expect(client.options.commandTimeout).toBe(250);
      expect(client.options.connectTimeout).toBe(1_000);
      expect(client.options.retryStrategy?.(3)).toBe(400);
    } finally {
      client.disconnect();
    }
  });

  it("reconnects with an exponential back-off, capped", () => {
    expect([1, 2, 3, 4, 5, 6, 100].map((n) => reconnectDelayMs(n, {}))).toEqual([
      100, 200, 400, 800, 1_000, 1_000, 1_000,
    ]);
    expect(reconnectDelayMs(3, { minBackoffMs: 50, maxBackoffMs: 150 })).toBe(150);
  });
});

describe("ConnectionWarnings", () => {
  it("logs once when the connection goes, at most once per interval while down, and once on recovery", () => {
    const { lines, log } = recordingLog();
    let now = 0;
    const warnings = new ConnectionWarnings("feature-store", log, 10_000, () => now);
    warnings.up(); // already up: nothing
    for (let t = 0; t < 25_000; t += 250) {
      now = t;
      warnings.down(new Error("connect ECONNREFUSED"));
    }
    now = 26_000;
    warnings.up();
    warnings.up();
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ["warn", "Redis connection lost; failing fast and reconnecting"],
      ["warn", "Redis still unavailable"],
      ["warn", "Redis still unavailable"],
      ["info", "Redis connection is back"],
    ]);
    expect(lines[1]?.fields).toMatchObject({ redis: "feature-store", downForMs: 10_000, suppressed: 39 });
    expect(lines[3]?.fields).toMatchObject({ downForMs: 26_000 });
    expect(warnings.isDown).toBe(false);
  });
});

describe("redisCall", () => {
  it("turns a hang into RedisUnavailableError and a failure into one, but lets a ReplyError through", async () => {
    await expect(redisCall(new Promise(() => {}), 10, "feature read")).rejects.toBeInstanceOf(
      RedisUnavailableError,
    );
    await expect(redisCall(Promise.reject(new Error("Connection is closed.")), 1_000, "x")).rejects.toThrow(
      "x: Connection is closed.",
    );
    const reply = new ReplyError("NOGROUP No such key");
    await expect(redisCall(Promise.reject(reply), 1_000, "x")).rejects.toBe(reply);
    await expect(redisCall(Promise.resolve(3), 1_000, "x")).resolves.toBe(3);
  });
});
