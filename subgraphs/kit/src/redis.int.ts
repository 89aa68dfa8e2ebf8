import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";
import { redisCall, redisClient, redisCommand, redisReady, RedisUnavailableError } from "./redis.ts";
import { blackHole, closedPort, tcpProxy } from "./testing/network-faults.ts";

/* The one Redis policy against real sockets: down, hanging, and lost mid-life then back. */

function recordingLog() {
  const lines: string[] = [];
  const log = createLogger("test", "silent");
  const record = (_fields: unknown, msg: string): void => void lines.push(msg);
  return { lines, log: Object.assign(Object.create(log) as typeof log, { warn: record, info: record }) };
}

describe("redisClient on faulty networks", () => {
  it("a command while Redis is down fails by itself instead of queueing", async () => {
    const { log } = recordingLog();
    const client = redisClient({ url: `redis://127.0.0.1:${await closedPort()}`, name: "down", log });
    try {
      // The bound is far above what fail-fast needs: the error must come from the client, not the deadline.
      const error = await redisCall(client.get("k"), 10_000, "read").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedisUnavailableError);
      expect((error as Error).message).not.toContain("no answer within");
    } finally {
      client.disconnect();
    }
  });

  it("a command to a server that never answers is bounded by the command timeout", async () => {
    const { log } = recordingLog();
    const hole = await blackHole();
    const client = redisClient({
      url: `redis://127.0.0.1:${hole.port}`,
      name: "hang",
      log,
      commandTimeoutMs: 100,
    });
    try {
      // ioredis reaches no ready state on a silent server: commands are refused at once, or time out.
      const error = await redisCall(client.get("k"), 10_000, "read").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedisUnavailableError);
      expect((error as Error).message).not.toContain("no answer within");
    } finally {
      client.disconnect();
      await hole.close();
    }
  });

  it("reconnects after the connection is lost, logging one line when lost and one when back", async () => {
    const { lines, log } = recordingLog();
    const proxy = await tcpProxy(6379);
    const port = proxy.port;
    const client = redisClient({ url: `redis://127.0.0.1:${port}`, name: "flaky", log, maxBackoffMs: 200 });
    let back: Awaited<ReturnType<typeof tcpProxy>> | undefined;
    try {
      expect(await redisReady(client, 5_000)).toBe(true);
      await proxy.close();
      await expect(redisCall(client.ping(), 10_000, "ping")).rejects.toBeInstanceOf(RedisUnavailableError);
      back = await tcpProxy(6379, port);
      expect(await redisReady(client, 10_000)).toBe(true);
      expect(await client.ping()).toBe("PONG");
      expect(lines[0]).toBe("Redis connection lost; failing fast and reconnecting");
      expect(lines.at(-1)).toBe("Redis connection is back");
      expect(lines.filter((l) => l === "Redis connection lost; failing fast and reconnecting")).toHaveLength(
        1,
      );
    } finally {
      client.disconnect();
      await back?.close();
    }
  });

  it("redisCommand waits for a connection inside its bound, and fails with Redis still down", async () => {
    const { log } = recordingLog();
    const down = redisClient({ url: `redis://127.0.0.1:${await closedPort()}`, name: "down", log });
    const up = redisClient({ url: "redis://127.0.0.1:6379", name: "up", log, lazyConnect: true });
    try {
      await expect(redisCommand(down, 200, "append", (r) => r.ping())).rejects.toThrow(
        "append: Redis not connected within 200 ms",
      );
      // Not connected yet (lazy): the first command connects instead of failing for want of a queue.
      expect(up.status).toBe("wait");
      await expect(redisCommand(up, 5_000, "ping", (r) => r.ping())).resolves.toBe("PONG");
    } finally {
      down.disconnect();
      up.disconnect();
    }
  });
});
