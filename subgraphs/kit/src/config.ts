import { z } from "zod";

/** Thrown at start when the environment does not satisfy a config schema; names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parses environment variables once against a zod object whose keys are the variable names. */
export function parseEnv<S extends z.ZodRawShape>(
  shape: S,
  env: Readonly<Record<string, string | undefined>> = process.env,
): z.infer<z.ZodObject<S>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join(".");
    const value = env[name];
    const shown =
      value === undefined
        ? "unset"
        : `got ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)}`;
    return `${name}: ${issue.message} (${shown})`;
  });
  throw new ConfigError(problems);
}

/** Helpers for environment-variable values, which are always strings. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  positiveInt: (fallback: number) => z.coerce.number().int().positive().default(fallback),
  boolean: (fallback: boolean) =>
    z
      .enum(["true", "false", "1", "0", "yes", "no"])
      .default(fallback ? "true" : "false")
      .transform((v) => v === "true" || v === "1" || v === "yes"),
  url: (fallback: string) => z.url().default(fallback),
  logLevel: () => z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  nodeEnv: () => z.enum(["development", "production", "test"]).default("development"),
};

/** Settings every server (subgraph or gateway) shares. */
export const serverEnvShape = {
  /** Interface to listen on. Default 0.0.0.0 in containers is set by the compose file; locally 127.0.0.1. */
  HOST: z.string().min(1).default("127.0.0.1"),
  /** development shows the Sandbox and stack traces; production masks internals and turns introspection off. */
  NODE_ENV: env.nodeEnv(),
  LOG_LEVEL: env.logLevel(),
  /** How long a graceful shutdown waits for in-flight requests before closing sockets. */
  SHUTDOWN_GRACE_MS: env.positiveInt(10_000),
  /** Largest accepted request body in bytes. */
  MAX_BODY_BYTES: env.positiveInt(256 * 1024),
};
export type ServerEnv = z.infer<z.ZodObject<typeof serverEnvShape>>;
