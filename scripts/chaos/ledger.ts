import { CHAOS_LIFETIME_COUNTS } from "./operations.ts";
import { post } from "./load.ts";
import type { RedisServer } from "./redis.ts";

/**
 * The applied side of "every accepted event and assessment is applied exactly once", read from where the
 * system keeps it: each loop user's lifetime `views` count (user-profile's activity features, through the
 * gateway with a service token) and payment-risk's assessment log (the Redis stream, read directly).
 */

/** Lifetime view counts per user; a user whose read failed maps to the reason. */
export async function readViews(
  url: string,
  serviceToken: string,
  userIds: readonly string[],
): Promise<Map<string, number | string>> {
  const counts = new Map<string, number | string>();
  await Promise.all(
    userIds.map(async (id) => {
      const answer = await post(url, CHAOS_LIFETIME_COUNTS, { id }, serviceToken);
      const user = answer.body?.data?.["user"] as { lifetimeCounts?: { views?: number } | null } | null;
      const views = user?.lifetimeCounts?.views;
      if (typeof views === "number" && (answer.body?.errors ?? []).length === 0) counts.set(id, views);
      else {
        const codes = (answer.body?.errors ?? []).map((e) => String(e.extensions?.code)).join(", ");
        counts.set(id, answer.failure ?? `HTTP ${answer.status} ${codes || "no lifetimeCounts"}`);
      }
    }),
  );
  return counts;
}

/** Payment-risk's assessment stream key (RISK_REDIS_PREFIX default aisle:risk:). */
export const ASSESSMENT_STREAM = "aisle:risk:stream:assessments";

/** How many times each order id of this run appears in the assessment log. */
export async function readAssessmentLog(
  redis: RedisServer,
  orderPrefix: string,
): Promise<Map<string, number>> {
  const client = redis.client();
  try {
    const entries = await client.xrange(ASSESSMENT_STREAM, "-", "+");
    const counts = new Map<string, number>();
    for (const [, fields] of entries) {
      const index = fields.indexOf("record");
      const raw = index >= 0 ? fields[index + 1] : undefined;
      if (raw === undefined) continue;
      const orderId = (JSON.parse(raw) as { orderId?: string }).orderId;
      if (orderId === undefined || !orderId.startsWith(orderPrefix)) continue;
      counts.set(orderId, (counts.get(orderId) ?? 0) + 1);
    }
    return counts;
  } finally {
    client.disconnect();
  }
}
