import { withDeadline } from "./deadline.ts";

/** A dependency a server needs before it can answer (a model loaded, Redis reachable, an index built). */
export interface ReadinessCheck {
  readonly name: string;
  /** Resolves true when ready; false or a rejection means not ready. */
  check(): Promise<boolean>;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Record<string, "ok" | "failing">;
}

export interface Health {
  alive(): boolean;
  ready(): Promise<ReadinessReport>;
}

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout(check: ReadinessCheck): Promise<boolean> {
  return withDeadline(check.check(), CHECK_TIMEOUT_MS, () => new Error("readiness check timed out")).catch(
    () => false,
  );
}

/** Liveness and readiness of one server. Readiness turns false as soon as shutdown begins. */
export class HealthState implements Health {
  #stopping = false;

  constructor(private readonly checks: readonly ReadinessCheck[]) {}

  markStopping(): void {
    this.#stopping = true;
  }

  alive(): boolean {
    return true;
  }

  async ready(): Promise<ReadinessReport> {
    const results = await Promise.all(this.checks.map(async (c) => [c.name, await withTimeout(c)] as const));
    const checks: Record<string, "ok" | "failing"> = {};
    for (const [name, ok] of results) checks[name] = ok ? "ok" : "failing";
    if (this.#stopping) checks["shutdown"] = "failing";
    return { ready: !this.#stopping && results.every(([, ok]) => ok), checks };
  }
}
