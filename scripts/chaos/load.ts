import { judge, OUTAGE_CODES, type GraphQLBody, type Verdict } from "./checks.ts";
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

/** Per loop user: events the API said it accepted, and events whose fate the client could not learn. */
export interface EventLedger {
  accepted: number;
  uncertain: number;
}

const CLIENT_TIMEOUT_MS = 10_000;
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
  /** Order ids sent without learning the outcome (no HTTP answer, or an error). */
  readonly assessUncertain = new Set<string>();
  #stopping = false;
  #loops: Promise<void>[] = [];

  constructor(private readonly options: LoadOptions) {
    for (const caller of options.callers) this.events.set(caller.userId, { accepted: 0, uncertain: 0 });
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

  async #send(operation: ChaosOperation, caller: LoopCaller, loop: number, n: number): Promise<void> {
    const { runId, timeline } = this.options;
    const phase = timeline.phase;
    let variables: Record<string, unknown>;
    let eventIds: string[] = [];
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
        eventIds = [0, 1].map((k) => `chaos-${runId}-u${caller.userId}-n${n}-e${k}`);
        const occurredAt = new Date().toISOString();
        variables = {
          events: eventIds.map((id) => ({
            id,
            type: "view",
            productId: `p-${1 + Math.floor(Math.random() * PRODUCT_COUNT)}`,
            occurredAt,
            device: "web",
            surface: "chaos",
          })),
        };
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
        ledger.accepted += result.acceptedIds.length;
        const first = result.rejected[0];
        if (first !== undefined) extra.push(`an event was rejected: ${first.reasons.join("; ")}`);
      } else if (!this.#cleanOutage(answer.body)) {
        ledger.uncertain += eventIds.length;
      }
    }
    if (operation.name === "assessPayment" && orderId !== null) {
      const result = data?.["assessPayment"] as { id?: string } | null | undefined;
      if (result?.id) this.assessed.add(orderId);
      else this.assessUncertain.add(orderId);
    }
    if (extra.length > 0)
      verdict = { whole: false, partial: verdict.partial, violations: [...verdict.violations, ...extra] };
    this.samples.push({ operation: operation.name, loop, phase, start, end, status: answer.status, verdict });
  }

  /** An answer whose every error is a coded outage: the call was refused, so nothing was accepted. */
  #cleanOutage(body: GraphQLBody | null): boolean {
    const errors = body?.errors ?? [];
    return errors.length > 0 && errors.every((e) => OUTAGE_CODES.has(String(e.extensions?.code ?? "")));
  }
}
