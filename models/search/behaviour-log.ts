import { readFile } from "node:fs/promises";

/**
 * Graded judgements from a logged search behaviour file (`events.ndjson` beside `products.csv`), so a retailer
 * without human judgements trains the served ranking on what shoppers did. One JSON event per line:
 *
 *   {"type":"search","searchId":"s1","query":"desk lamp"}
 *   {"type":"impression","searchId":"s1","productId":"p9","position":1}     (1-based, as shown)
 *   {"type":"click","searchId":"s1","productId":"p9"}                       (also add_to_cart, purchase)
 *
 * Other fields (userId, occurredAt, ...) are allowed and ignored. An engagement counts only for a product the
 * search showed, at the position it was shown.
 *
 * Shoppers click what they see, and they see the top of the list: a click at position 1 says less than one at
 * position 8. Each impression is weighted by the probability that the shopper examined it, `(1/position)^η`
 * with η = 1 (the position-based model; Joachims et al. 2017 and Agarwal et al. 2019 estimate η close to 1
 * on result lists), so a product's relevance estimate is its engagement per expected examination, smoothed
 * towards its query's mean. Grades are relative to that mean, which makes queries with many and few clicks
 * comparable:
 *
 *   3: ≥ 2× the query's mean, 2: ≥ 1×, 1: ≥ ½×, 0: below (judged not relevant).
 *
 * A product is graded once it has been engaged with (a click implies it was examined) or examined about once
 * (`MIN_EXAMINATIONS`); a query only when it has at least one engagement and two graded products. Engagement weights: click 1, add_to_cart 2, purchase 3
 * (a purchase implies the click before it, which is logged on its own).
 */

export const EXAMINATION_EXPONENT = 1;
export const MIN_EXAMINATIONS = 1;
/** Pseudo-examinations at the query's mean rate added to every product (Bayesian smoothing). */
export const PRIOR_EXAMINATIONS = 2;
const ENGAGEMENT_WEIGHT = { click: 1, add_to_cart: 2, purchase: 3 } as const;
type Engagement = keyof typeof ENGAGEMENT_WEIGHT;

export interface BehaviourJudgements {
  /** Normalised query text → product id → grade 0..3. */
  readonly grades: Map<string, Map<string, number>>;
  readonly searches: number;
  /** Lines whose product the catalogue does not hold, or engagements with no impression: skipped. */
  readonly skipped: number;
}

export const normaliseQuery = (text: string): string => text.trim().toLowerCase().replace(/\s+/g, " ");

export const examinationProbability = (position: number): number => (1 / position) ** EXAMINATION_EXPONENT;

interface Exposure {
  examinations: number;
  engagement: number;
}

function fail(line: number, message: string): never {
  throw new Error(`events.ndjson line ${line}: ${message}`);
}

function field(event: Record<string, unknown>, name: string, line: number): string {
  const value = event[name];
  if (typeof value !== "string" || value.trim() === "") fail(line, `"${name}" must be a non-empty string`);
  return value;
}

/** Parses a behaviour log and grades every (query, product) pair it exposes enough. */
export function judgementsFromBehaviour(
  text: string,
  knownProducts: ReadonlySet<string>,
): BehaviourJudgements {
  const queryOf = new Map<string, string>();
  /** searchId → productId → position shown. */
  const shown = new Map<string, Map<string, number>>();
  const engagements: { searchId: string; productId: string; weight: number }[] = [];
  let skipped = 0;
  for (const [index, raw] of text.split("\n").entries()) {
    const line = index + 1;
    if (raw.trim() === "") continue;
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      fail(line, "not JSON");
    }
    if (typeof event !== "object" || event === null) fail(line, "not a JSON object");
    const type = event["type"];
    const searchId = field(event, "searchId", line);
    if (type === "search") {
      queryOf.set(searchId, normaliseQuery(field(event, "query", line)));
      continue;
    }
    if (type !== "impression" && !(typeof type === "string" && type in ENGAGEMENT_WEIGHT)) {
      fail(line, `unknown type ${JSON.stringify(type)} (search, impression, click, add_to_cart, purchase)`);
    }
    const productId = field(event, "productId", line);
    if (!knownProducts.has(productId)) {
      skipped += 1;
      continue;
    }
    if (type === "impression") {
      const position = event["position"];
      if (typeof position !== "number" || !Number.isInteger(position) || position < 1)
        fail(line, '"position" must be an integer ≥ 1');
      let positions = shown.get(searchId);
      if (positions === undefined) shown.set(searchId, (positions = new Map()));
      if (!positions.has(productId)) positions.set(productId, position);
    } else {
      engagements.push({ searchId, productId, weight: ENGAGEMENT_WEIGHT[type as Engagement] });
    }
  }

  const exposure = new Map<string, Map<string, Exposure>>();
  const exposureOf = (query: string, productId: string): Exposure => {
    let products = exposure.get(query);
    if (products === undefined) exposure.set(query, (products = new Map()));
    let e = products.get(productId);
    if (e === undefined) products.set(productId, (e = { examinations: 0, engagement: 0 }));
    return e;
  };
  for (const [searchId, positions] of shown) {
    const query = queryOf.get(searchId);
    if (query === undefined) continue;
    for (const [productId, position] of positions)
      exposureOf(query, productId).examinations += examinationProbability(position);
  }
  for (const { searchId, productId, weight } of engagements) {
    const query = queryOf.get(searchId);
    if (query === undefined || shown.get(searchId)?.has(productId) !== true) {
      skipped += 1;
      continue;
    }
    exposureOf(query, productId).engagement += weight;
  }

  const grades = new Map<string, Map<string, number>>();
  for (const [query, products] of exposure) {
    let engagement = 0;
    let examinations = 0;
    for (const e of products.values()) {
      engagement += e.engagement;
      examinations += e.examinations;
    }
    if (engagement === 0 || examinations === 0) continue;
    const meanRate = engagement / examinations;
    const graded = new Map<string, number>();
    for (const [productId, e] of products) {
      if (e.examinations < MIN_EXAMINATIONS && e.engagement === 0) continue;
      const rate = (e.engagement + PRIOR_EXAMINATIONS * meanRate) / (e.examinations + PRIOR_EXAMINATIONS);
      const relative = rate / meanRate;
      graded.set(productId, relative >= 2 ? 3 : relative >= 1 ? 2 : relative >= 0.5 ? 1 : 0);
    }
    if (graded.size >= 2) grades.set(query, graded);
  }
  return { grades, searches: queryOf.size, skipped };
}

export async function readBehaviourJudgements(
  file: string,
  knownProducts: ReadonlySet<string>,
): Promise<BehaviourJudgements> {
  return judgementsFromBehaviour(await readFile(file, "utf8"), knownProducts);
}
