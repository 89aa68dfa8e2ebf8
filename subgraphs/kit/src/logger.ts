import { pino, type Logger, type LevelWithSilent } from "pino";

export type { Logger };

/** Structured JSON logs on stdout, one object a line, with the service name on every line. */
export function createLogger(service: string, level: LevelWithSilent = "info"): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: ["req.headers.authorization", "headers.authorization", "*.cardNumber"],
      censor: "[redacted]",
    },
  });
}

const LEVELS = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

/** LOG_LEVEL for the logger that exists before config is validated; an invalid value is reported by config. */
export function logLevelFrom(source: Readonly<Record<string, string | undefined>>): LevelWithSilent {
  const level = source["LOG_LEVEL"];
  return level !== undefined && LEVELS.has(level) ? (level as LevelWithSilent) : "info";
}
