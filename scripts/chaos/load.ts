import { print } from "graphql";
import { RecordEventsDocument } from "../../operations/__generated__/graphql.ts";
import { judge, type GraphQLBody, type Verdict } from "./checks.ts";
import {
  assessmentInput,
  CATEGORY_IDS,
  PRODUCT_COUNT,
  SEARCH_TERMS,
  type ChaosOperation,
  type OperationName,
} from "./operations.ts";
import { sleep } from "./processes.ts";

/** A dependency taken down on purpose: from its kill to the end of its phase (after its return and a settle). */
export interface Outage {
  readonly dependency: string;
  readonly killAt: number;
  returnAt: number | null;
  endAt: number | null;
}

/** What the load knows about the faults, read when each answer is judged. */
export class Timeline {
  readonly outages: Outage[] = [];
  phase = "start";

  /** Dependencies that were down at some moment of [start, end]. */
  downDuring(start: number, end: number): Set<string> {
    return new Set(
      this.outages
        .filter((o) => o.killAt <= end && (o.endAt === null || start <= o.endAt))
        .map((o) => o.dependency),
    );
  }
}

export interface Sample {
  readonly operation: OperationName;
  readonly loop: number;
  readonly phase: string;
  readonly start: number;
  readonly end: number;
  /** 0 when no HTTP answer came (refused, reset, or the client's 10 s timeout). */
  readonly status: number;
  readonly verdict: Verdict;
  /** Where the answer says `degraded: true` (list indexes folded, e.g. a price at list while features are missing). */
  readonly degraded: readonly string[];
}

/** The paths (list indexes folded, each once) of the objects in an answer that say `degraded: true`. */
export function degradedPaths(value: unknown, at = ""): string[] {
  const found = new Set<string>();
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v)) {
      v.forEach((element) => walk(element, `${path}.*`));
      return;
    }
    if (v === null || typeof v !== "object") return;
    const record = v as Record<string, unknown>;
    if (record["degraded"] === true) found.add(path.replace(/^\./, ""));
    for (const [key, child] of Object.entries(record)) walk(child, `${path}.${key}`);
  };
  walk(value, at);
  return [...found];
}

export interface LoopCaller {
  readonly userId: string;
  readonly shopperToken: string;
}

export interface LoadOptions {
  readonly url: string;
  readonly operations: readonly ChaosOperation[];
  readonly callers: readonly LoopCaller[];
  readonly checkoutToken: string;
  readonly timeline: Timeline;
  readonly runId: string;
  /** Pause between one loop's requests. */
  readonly thinkMs: number;
}

/** One behaviour event as the load sends it (kept to be sent again, same id, after a refusal). */
export interface EventInput {
  readonly id: string;
  readonly type: "view";
  readonly productId: string;
  readonly occurredAt: string;
  readonly device: string;
  readonly surface: string;
}

/**
 * Per loop user: the ids the API said it accepted, and the events to send again. Like a real client, the load
 * sends a refused or unanswered batch again with the same ids, so one that was appended before the refusal
 * must still be applied once.
 */
export interface EventLedger {
  readonly accepted: Set<string>;
  readonly pending: EventInput[];
  /** Events sent again after a refusal or a lost answer. */
  resent: number;
}

const CLIENT_TIMEOUT_MS = 10_000;
const RECORD_EVENTS = print(RecordEventsDocument);
const DESTINATION = { country: "US", postalCode: "80202" };
const PRICE_CONTEXT = { currency: "USD", region: "US" };

/** POSTs one operation; status 0 and a reason when the gateway gave no HTTP answer. */
export async function post(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  token: string | null,
): Promise<{ status: number; body: GraphQLBody | null; failure: string | null }> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
    });
    const text = await response.text();
    let body: GraphQLBody | null = null;
    try {
      body = JSON.parse(text) as GraphQLBody;
    } catch {
      body = null;
    }
    return { status: response.status, body, failure: null };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason =
      (error as Error).name === "TimeoutError"
        ? `no answer within ${CLIENT_TIMEOUT_MS / 1000} s`
        : (cause?.code ?? cause?.message ?? (error as Error).message);
    return { status: 0, body: null, failure: reason };
  }
}

/**
 * A bounded mixed load: one closed loop per caller, each cycling through the operations (a listing, a search,
 * the home feed, recordEvents with unique ids, assessPayment with unique order ids), every answer judged as it
 * arrives against the outages known then.
 */
export class Load {
  readonly samples: Sample[] = [];
  readonly events = new Map<string, EventLedger>();
  /** Order ids answered with an assessment. */
  readonly assessed = new Set<string>();
  /** Order ids sent without an assessment in the answer (an error, or no HTTP answer). */
  readonly assessUncertain = new Set<string>();
  #stopping = false;
  #loops: Promise<void>[] = [];

  constructor(private readonly options: LoadOptions) {
    for (const caller of options.callers) {
      this.events.set(caller.userId, { accepted: new Set(), pending: [], resent: 0 });
    }
  }

  /**
   * One of each operation from the first caller, answers not judged (events and assessments still counted):
   * the first calls compile code paths and warm model sessions, slow enough on a busy box to hit a deadline.
   */
  async warmUp(): Promise<void> {
    const caller = this.options.callers[0];
    if (caller === undefined) return;
    let n = -1;
    for (const operation of this.options.operations) await this.#send(operation, caller, 0, n--, false);
  }

  start(): void {
    this.#loops = this.options.callers.map((caller, index) => this.#loop(caller, index));
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#loops);
  }

  async #loop(caller: LoopCaller, loop: number): Promise<void> {
    const { operations } = this.options;
    for (let n = 0; !this.#stopping; n++) {
      const operation = operations[(n + loop) % operations.length] as ChaosOperation;
      await this.#send(operation, caller, loop, n);
      if (this.options.thinkMs > 0) await sleep(this.options.thinkMs);
    }
  }

  async #send(
    operation: ChaosOperation,
    caller: LoopCaller,
    loop: number,
    n: number,
    judged = true,
  ): Promise<void> {
    const { runId, timeline } = this.options;
    const phase = timeline.phase;
    let variables: Record<string, unknown>;
    let batch: EventInput[] = [];
    let orderId: string | null = null;
    switch (operation.name) {
      case "listing":
        variables = {
          categoryId: CATEGORY_IDS[n % CATEGORY_IDS.length],
          first: 12,
          destination: DESTINATION,
          context: PRICE_CONTEXT,
        };
        break;
      case "search":
        variables = { query: SEARCH_TERMS[n % SEARCH_TERMS.length], first: 12 };
        break;
      case "homeFeed":
        variables = { first: 8 };
        break;
      case "recordEvents": {
        const ledger = this.events.get(caller.userId) as EventLedger;
        const again = ledger.pending.splice(0, 6);
        ledger.resent += again.length;
        const occurredAt = new Date().toISOString();
        batch = [
          ...again,
          ...[0, 1].map((k) => ({
            id: `chaos-${runId}-u${caller.userId}-n${n}-e${k}`,
            type: "view" as const,
            productId: `p-${1 + Math.floor(Math.random() * PRODUCT_COUNT)}`,
            occurredAt,
            device: "web",
            surface: "chaos",
          })),
        ];
        variables = { events: batch };
        break;
      }
      case "assessPayment":
        orderId = `chaos-${runId}-u${caller.userId}-o${n}`;
        variables = assessmentInput(orderId, caller.userId, 1_000 + Math.floor(Math.random() * 50_000));
        break;
    }
    const token = operation.caller === "checkout" ? this.options.checkoutToken : caller.shopperToken;
    const start = Date.now();
    const answer = await post(this.options.url, operation.query, variables, token);
    const end = Date.now();
    let verdict: Verdict;
    if (answer.failure !== null) {
      verdict = {
        whole: false,
        partial: [],
        violations: [`no HTTP answer from the gateway: ${answer.failure}`],
      };
    } else {
      verdict = judge(answer.status, answer.body, operation.specs, timeline.downDuring(start, end));
    }
    const data = answer.body?.data ?? null;
    const extra: string[] = [];
    if (operation.name === "recordEvents") {
      const ledger = this.events.get(caller.userId) as EventLedger;
      const result = data?.["recordEvents"] as
        { acceptedIds: string[]; rejected: { reasons: string[] }[] } | null | undefined;
      if (result) {
        for (const id of result.acceptedIds) ledger.accepted.add(id);
        const first = result.rejected[0];
        if (first !== undefined) extra.push(`an event was rejected: ${first.reasons.join("; ")}`);
      } else {
        ledger.pending.push(...batch);
      }
    }
    if (operation.name === "assessPayment" && orderId !== null) {
      const result = data?.["assessPayment"] as { id?: string } | null | undefined;
      if (result?.id) this.assessed.add(orderId);
      else this.assessUncertain.add(orderId);
    }
    if (extra.length > 0)
      verdict = { whole: false, partial: verdict.partial, violations: [...verdict.violations, ...extra] };
    if (!judged) return;
    this.samples.push({
      operation: operation.name,
      loop,
      phase,
      start,
      end,
      status: answer.status,
      verdict,
      degraded: degradedPaths(data),
    });
  }

  /**
   * After the load: sends every refused or unanswered event again (same ids) until accepted, a few tries at
   * most. Returns how many are still not accepted.
   */
  async flushEvents(shopperTokens: ReadonlyMap<string, string>): Promise<number> {
    let left = 0;
    for (const [userId, ledger] of this.events) {
      const token = shopperTokens.get(userId) ?? null;
      for (let attempt = 0; attempt < 5 && ledger.pending.length > 0; attempt++) {
        const batch = ledger.pending.splice(0, ledger.pending.length);
        ledger.resent += batch.length;
        const answer = await post(this.options.url, RECORD_EVENTS, { events: batch }, token);
        const result = answer.body?.data?.["recordEvents"] as { acceptedIds: string[] } | null | undefined;
        if (result) for (const id of result.acceptedIds) ledger.accepted.add(id);
        else {
          ledger.pending.push(...batch);
          await sleep(500);
        }
      }
      left += ledger.pending.length;
    }
    return left;
  }
}
