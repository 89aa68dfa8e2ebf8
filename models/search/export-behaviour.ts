import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { once } from "node:events";
import { parseArgs } from "node:util";
import { eventStreamReader, openSearchLog, type ActivityEvent, type SearchLog } from "@aisle/behaviour";
import { createLogger } from "@aisle/kit";
import { documentsFromWorld, SEARCH_LIST_PREFIX } from "@aisle/search";
import { demoWorld } from "@aisle/world";

/**
 * `npm run search:export-behaviour -- --out <dir>`: writes what shoppers did with searches as a training folder
 * for `npm run train -- search --judgments <dir>` (models/search/behaviour-log.ts reads it):
 *
 * - `events.ndjson`: every logged search page (the search subgraph's log, `SEARCH_LOG=redis`) as a search line
 *   and one impression line per product at its position, then every click, add_to_cart and purchase that
 *   `recordEvents` credited to a search through a hit's attribution token (the behaviour event stream,
 *   `EVENT_STREAM=redis`);
 * - `products.csv`: the products the search subgraph indexes (id, title, description).
 *
 * Reads the same environment as the subgraphs (REDIS_URL, EVENT_STREAM_*, SEARCH_LOG_*). Both logs must be in
 * Redis: an in-process log dies with the process that wrote it.
 */
const { values } = parseArgs({ options: { out: { type: "string" } } });
if (values.out === undefined) {
  process.stderr.write("usage: export-behaviour.ts --out <dir>\n");
  process.exit(2);
}
const out = resolve(values.out);
const log = createLogger("export-behaviour", "warn");
const source = { ...process.env, SEARCH_LOG: process.env["SEARCH_LOG"] ?? "redis" };
if (source.SEARCH_LOG !== "redis" || process.env["EVENT_STREAM"] !== "redis") {
  throw new Error("set SEARCH_LOG=redis and EVENT_STREAM=redis (with their Redis URLs) as the subgraphs run");
}
const PAGE = 5_000;

const searchLog: SearchLog = openSearchLog(source, log);
const reader = eventStreamReader(source, log);
await mkdir(out, { recursive: true });
const file = createWriteStream(join(out, "events.ndjson"));
const write = async (line: object): Promise<void> => {
  if (!file.write(`${JSON.stringify(line)}\n`)) await once(file, "drain");
};
const counts = { searches: 0, impressions: 0, engagements: 0 };
try {
  for (let after: string | null = null; ;) {
    const { entries, next } = await searchLog.range(after, PAGE);
    for (const s of entries) {
      counts.searches += 1;
      await write({
        type: "search",
        searchId: s.searchId,
        query: s.query,
        occurredAt: new Date(s.at).toISOString(),
      });
      for (const [i, productId] of s.productIds.entries()) {
        counts.impressions += 1;
        await write({ type: "impression", searchId: s.searchId, productId, position: s.firstPosition + i });
      }
    }
    if (entries.length < PAGE) break;
    after = next;
  }
  const stream = reader.stream();
  if (stream === null) throw new Error("no behaviour event stream to read");
  for (let after: string | null = null; ;) {
    const { deliveries, next } = await stream.range(after, PAGE);
    for (const { event } of deliveries) {
      const credited = creditedSearch(event);
      if (credited === null) continue;
      counts.engagements += 1;
      await write({
        type: event.type,
        searchId: credited,
        productId: event.productId,
        occurredAt: new Date(event.at).toISOString(),
      });
    }
    if (deliveries.length < PAGE) break;
    after = next;
  }
  file.end();
  await once(file, "finish");
  const docs = documentsFromWorld(demoWorld());
  await writeFile(
    join(out, "products.csv"),
    `product_id,product_title,product_description\n${docs.map((d) => [d.id, d.title, d.description].map(csvField).join(",")).join("\n")}\n`,
  );
  process.stderr.write(
    `[export-behaviour] ${counts.searches} searches, ${counts.impressions} impressions, ${counts.engagements} engagements credited to searches, ${docs.length} products → ${out}\n`,
  );
} finally {
  await Promise.allSettled([searchLog.close(), reader.close()]);
}

/** The search page a click, cart or purchase was credited to; null for any other event. */
function creditedSearch(event: ActivityEvent): string | null {
  const listId = event.attribution?.listId;
  return listId?.startsWith(SEARCH_LIST_PREFIX) === true && event.productId !== null ? listId : null;
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
