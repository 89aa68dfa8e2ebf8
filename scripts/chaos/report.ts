import { fieldOf } from "./checks.ts";
import type { Outage, Sample } from "./load.ts";

/** Answers must be whole again this soon after a dependency is back (issue 15). */
export const WHOLE_WITHIN_S = 2;
/** recordEvents must answer UNAVAILABLE this fast while its Redis is down (issue 15, defect 1). */
export const REFUSE_WITHIN_MS = 1_000;

export interface Phase {
  readonly name: string;
  readonly start: number;
  end: number;
  readonly outage: Outage | null;
  /** How long the restart took, from the restart command to ready (null without an outage). */
  restartSeconds: number | null;
}

export interface PhaseFigures {
  readonly phase: string;
  readonly answers: number;
  readonly whole: number;
  readonly partial: number;
  readonly violating: number;
  /** Answers saying `degraded: true` somewhere (prices at list while features are missing, spooled assessments…). */
  readonly degraded: number;
  readonly http5xx: number;
  readonly noAnswer: number;
  readonly downSeconds: number | null;
  readonly restartSeconds: number | null;
  /** From the dependency's return to the start of the last answer that was not whole; 0 if none after it. */
  readonly secondsToWhole: number | null;
  /** False when answers were still not whole at the end of the phase (or none came after the last bad one). */
  readonly wholeAgain: boolean;
  /** From the dependency's return to the end of the first whole answer that needed it (a listing, a feed…). */
  readonly firstWholeSeconds: number | null;
}

const inPhase = (s: Sample, p: Phase) => s.start >= p.start && s.start < p.end;
/** Sent and answered within the phase: an answer still in flight when the next fault began says nothing of this one. */
const within = (s: Sample, p: Phase) => inPhase(s, p) && s.end <= p.end;

export function phaseFigures(
  samples: readonly Sample[],
  phase: Phase,
  needs: (operation: string, dependency: string) => boolean = () => true,
): PhaseFigures {
  const mine = samples.filter((s) => inPhase(s, phase));
  const outage = phase.outage;
  let secondsToWhole: number | null = null;
  let wholeAgain = true;
  let firstWholeSeconds: number | null = null;
  if (outage !== null && outage.returnAt !== null) {
    const returnAt = outage.returnAt;
    const bad = mine.filter((s) => within(s, phase) && !s.verdict.whole);
    const lastBad = bad.length === 0 ? null : Math.max(...bad.map((s) => s.start));
    secondsToWhole = lastBad === null || lastBad < returnAt ? 0 : (lastBad - returnAt) / 1000;
    const after = mine.filter((s) => s.start > (lastBad ?? returnAt) && s.verdict.whole);
    wholeAgain = after.length > 0;
    const firstWhole = mine
      .filter((s) => s.start >= returnAt && s.verdict.whole && needs(s.operation, outage.dependency))
      .map((s) => s.end);
    firstWholeSeconds = firstWhole.length === 0 ? null : (Math.min(...firstWhole) - returnAt) / 1000;
  } else if (outage !== null) {
    wholeAgain = false;
  }
  return {
    phase: phase.name,
    answers: mine.length,
    whole: mine.filter((s) => s.verdict.whole).length,
    partial: mine.filter((s) => !s.verdict.whole && s.verdict.violations.length === 0).length,
    violating: mine.filter((s) => s.verdict.violations.length > 0).length,
    degraded: mine.filter((s) => s.degraded.length > 0).length,
    http5xx: mine.filter((s) => s.status >= 500).length,
    noAnswer: mine.filter((s) => s.status === 0).length,
    downSeconds:
      outage === null || outage.returnAt === null ? null : (outage.returnAt - outage.killAt) / 1000,
    restartSeconds: phase.restartSeconds,
    secondsToWhole,
    wholeAgain,
    firstWholeSeconds,
  };
}

export interface ViolationGroup {
  readonly phase: string;
  readonly operation: string;
  readonly message: string;
  count: number;
}

/** Violations grouped by phase, operation and field (list indexes folded), most frequent first. */
export function groupViolations(samples: readonly Sample[]): ViolationGroup[] {
  const groups = new Map<string, ViolationGroup>();
  for (const sample of samples) {
    for (const violation of sample.verdict.violations) {
      const message = fieldOf(violation);
      const key = `${sample.phase}\u0000${sample.operation}\u0000${message}`;
      const group = groups.get(key);
      if (group) group.count += 1;
      else groups.set(key, { phase: sample.phase, operation: sample.operation, message, count: 1 });
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

/** A fixed-width text table. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export const seconds = (value: number | null, digits = 1) => (value === null ? "-" : value.toFixed(digits));

function countTop(items: readonly string[], top: number): [string, number][] {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, top);
}

/** The fields an outage nulled as it should (list indexes folded), most frequent first. */
export function partialFields(samples: readonly Sample[], phase: Phase, top = 4): [string, number][] {
  return countTop(
    samples.filter((s) => inPhase(s, phase)).flatMap((s) => s.verdict.partial.map(fieldOf)),
    top,
  );
}

/** Why answers sent after the dependency's return were still not whole, most frequent first. */
export function lateReasons(samples: readonly Sample[], phase: Phase, top = 4): [string, number][] {
  const returnAt = phase.outage?.returnAt;
  if (returnAt === null || returnAt === undefined) return [];
  const late = samples.filter((s) => within(s, phase) && s.start >= returnAt && !s.verdict.whole);
  return countTop(
    late.flatMap((s) =>
      s.verdict.violations.length > 0
        ? s.verdict.violations.map(fieldOf)
        : s.verdict.partial.map((p) => `${fieldOf(p)} still null (coded)`),
    ),
    top,
  );
}

/** The objects that said `degraded: true` during a phase, most frequent first. */
export function degradedFields(samples: readonly Sample[], phase: Phase, top = 4): [string, number][] {
  return countTop(
    samples.filter((s) => inPhase(s, phase)).flatMap((s) => s.degraded),
    top,
  );
}

/**
 * After a dependency's return, how long each field kept answering `degraded: true` (e.g. prices at list until
 * the features of a wiped Redis are rebuilt): the start of its last degraded answer, in seconds after the
 * return, over every later answer. Informational: degraded answers are allowed.
 */
export function degradedAfter(samples: readonly Sample[], returnAt: number): [string, number][] {
  const last = new Map<string, number>();
  for (const sample of samples) {
    if (sample.start < returnAt) continue;
    for (const field of sample.degraded) last.set(field, Math.max(last.get(field) ?? 0, sample.start));
  }
  return [...last].map(([field, at]) => [field, (at - returnAt) / 1000] as [string, number]);
}
