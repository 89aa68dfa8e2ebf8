import { Redis } from "ioredis";

/**
 * Deletes every key matching `pattern` (SCAN in pages, not KEYS, so a shared Redis is never blocked). Uses
 * `redis` when given (left connected), else a short-lived connection to 127.0.0.1:6379.
 */
export async function deleteRedisKeys(pattern: string, redis?: Redis): Promise<void> {
  const client = redis ?? new Redis("redis://127.0.0.1:6379");
  try {
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    if (redis === undefined) client.disconnect();
  }
}
