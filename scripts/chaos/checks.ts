/**
 * Judging one gateway answer under faults. An operation declares the fields it checks and what each one depends
 * on; an answer is then:
 * - whole: HTTP 200, no errors, every checked field non-null;
 * - partial: every null checked field depends on something that is down and carries an UNAVAILABLE or TIMEOUT
 *   error whose `path` is exactly that field, every error is such an error, and the rest is present;
 * - a violation otherwise (each reason is listed).
 */

/** What a field needs besides the gateway: a subgraph or a Redis role, by name. */
export interface FieldSpec {
  /** Dotted path from `data`; `[]` after a name walks every element of that list, e.g. `a.edges[].node.id`. */
  readonly path: string;
  /** Dependencies whose outage may null this field. Empty: it must never be null. */
  readonly deps: readonly string[];
}

export interface GraphQLError {
  readonly message?: string;
  readonly path?: readonly (string | number)[];
  readonly extensions?: { readonly code?: unknown } & Record<string, unknown>;
}

export interface GraphQLBody {
  readonly data?: Record<string, unknown> | null;
  readonly errors?: readonly GraphQLError[];
}

export interface Verdict {
  readonly whole: boolean;
  /** Null fields that an outage explains (dotted concrete paths). */
  readonly partial: readonly string[];
  readonly violations: readonly string[];
}

/** Codes a dependency outage may produce. */
export const OUTAGE_CODES: ReadonlySet<string> = new Set(["UNAVAILABLE", "TIMEOUT"]);

interface Segment {
  readonly key: string;
  readonly list: boolean;
}

function segments(path: string): Segment[] {
  return path.split(".").map((part) => ({ key: part.replace(/\[\]$/, ""), list: part.endsWith("[]") }));
}

/**
 * Adds an implicit spec (no dependencies) for every prefix of a declared path that is not declared itself, so
 * a null anywhere along a checked path is judged exactly once, at the highest null.
 */
export function withPrefixes(specs: readonly FieldSpec[]): FieldSpec[] {
  // Keyed by the path without list markers; a declared `a.b` walked as a prefix `a.b[]` takes the marker,
  // so its null elements are judged too, with its own dependencies.
  const bare = (path: string) => path.replace(/\[\]/g, "");
  const all = new Map(specs.map((s) => [bare(s.path), s]));
  for (const spec of specs) {
    const parts = spec.path.split(".");
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join(".");
      const known = all.get(bare(prefix));
      if (known === undefined) all.set(bare(prefix), { path: prefix, deps: [] });
      else if (prefix.length > known.path.length) all.set(bare(prefix), { path: prefix, deps: known.deps });
    }
  }
  return [...all.values()];
}

/** Every concrete path where the spec's last field is null (or missing) while its parent is an object. */
function nullsOf(data: Record<string, unknown>, spec: FieldSpec): (string | number)[][] {
  const segs = segments(spec.path);
  const found: (string | number)[][] = [];
  const walk = (value: unknown, depth: number, at: (string | number)[]): void => {
    if (value === null || typeof value !== "object") return; // a null parent is judged by its own spec
    const seg = segs[depth] as Segment;
    const child = (value as Record<string, unknown>)[seg.key];
    const here = [...at, seg.key];
    const last = depth === segs.length - 1;
    if (child === null || child === undefined) {
      // Only this spec's own field; a null on the way there is its prefix's to judge.
      if (last) found.push(here);
      return;
    }
    if (seg.list) {
      if (!Array.isArray(child)) return;
      child.forEach((element, index) => {
        // A null element is judged by the list's own spec (the path ending in `[]`).
        if (element === null || element === undefined) {
          if (last) found.push([...here, index]);
        } else if (!last) walk(element, depth + 1, [...here, index]);
      });
      return;
    }
    if (!last) walk(child, depth + 1, here);
  };
  walk(data, 0, []);
  return found;
}

const samePath = (a: readonly (string | number)[] | undefined, b: readonly (string | number)[]) =>
  a !== undefined && a.length === b.length && a.every((part, i) => String(part) === String(b[i]));

const show = (path: readonly (string | number)[]) => path.join(".");

/** What production must never tell a client: driver and socket errors, stack frames, JS type errors. */
const INTERNALS =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ioredis|maxRetriesPerRequest|enableOfflineQueue|NOGROUP|Cannot read propert|is not a function|undefined \(reading|\.ts:\d+|node_modules/i;

/** Why an error looks like it carries internals (a stack, or a raw internal message), or null. */
export function leakOf(error: GraphQLError): string | null {
  const extensions = error.extensions ?? {};
  if ("stacktrace" in extensions || "exception" in extensions) return "a stack trace in extensions";
  const match = INTERNALS.exec(String(error.message ?? ""));
  return match === null ? null : `"${match[0]}"`;
}

/** A path with list indexes replaced by `*`, so violations group by field. */
export function fieldOf(path: string): string {
  return path.replace(/\.\d+(?=\.|$)/g, ".*");
}

/**
 * Judges one answer. `down` names the dependencies that were (or may have been) down while it was in flight.
 */
export function judge(
  status: number,
  body: GraphQLBody | null,
  specs: readonly FieldSpec[],
  down: ReadonlySet<string>,
): Verdict {
  const violations: string[] = [];
  const partial: string[] = [];
  if (status >= 500) violations.push(`HTTP ${status}`);
  else if (status !== 200) {
    const codes = (body?.errors ?? []).map((e) => String(e.extensions?.code ?? "no code")).join(", ");
    violations.push(`HTTP ${status} (${codes || "no errors"})`);
  }
  if (body === null) {
    violations.push("the body is not GraphQL JSON");
    return { whole: false, partial, violations };
  }
  const errors = body.errors ?? [];
  for (const error of errors) {
    const code = String(error.extensions?.code ?? "no code");
    const where = error.path === undefined ? "no path" : `path ${show(error.path)}`;
    if (!OUTAGE_CODES.has(code)) {
      violations.push(`error ${code} (${where}): ${String(error.message ?? "").slice(0, 120)}`);
    } else if (error.path === undefined || error.path.length === 0) {
      violations.push(`${code} error without a path: ${String(error.message ?? "").slice(0, 120)}`);
    }
    const leak = leakOf(error);
    if (leak !== null)
      violations.push(
        `${code} error shows internals (${leak}): ${String(error.message ?? "").slice(0, 120)}`,
      );
  }
  const data = body.data ?? {};
  for (const spec of withPrefixes(specs)) {
    for (const path of nullsOf(data, spec)) {
      const explained = spec.deps.filter((d) => down.has(d));
      const coded = errors.some(
        (e) => samePath(e.path, path) && OUTAGE_CODES.has(String(e.extensions?.code ?? "")),
      );
      if (explained.length === 0) {
        const needs =
          spec.deps.length === 0
            ? "nothing may null it"
            : `only an outage of ${spec.deps.join(" or ")} may null it`;
        violations.push(`${show(path)} is null (${needs})`);
      } else if (!coded) {
        violations.push(`${show(path)} is null without an UNAVAILABLE/TIMEOUT error at that path`);
      } else {
        partial.push(show(path));
      }
    }
  }
  const whole = status === 200 && errors.length === 0 && partial.length === 0 && violations.length === 0;
  return { whole, partial, violations };
}
