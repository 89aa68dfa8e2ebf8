import { pino, type DestinationStream, type Logger, type LoggerOptions, type LevelWithSilent } from "pino";

export type { Logger };

/**
 * Structured JSON logs on stdout, one object a line, with the service name on every line. `destination`
 * replaces stdout (tests capture the lines with it).
 */
export function createLogger(
  service: string,
  level: LevelWithSilent = "info",
  destination?: DestinationStream,
): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: ["req.headers.authorization", "headers.authorization", "*.cardNumber"],
      censor: "[redacted]",
    },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/** One parsed log line of a capturing logger. */
export type LogLine = Record<string, unknown> & { readonly level: string; readonly msg: string };

/** A logger that keeps its lines in memory, parsed, for tests that assert what was logged. */
export function createCapturingLogger(
  service: string,
  level: LevelWithSilent = "debug",
): { readonly log: Logger; readonly lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = createLogger(service, level, { write: (line) => void lines.push(JSON.parse(line) as LogLine) });
  return { log, lines };
}

const LEVELS = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

/** LOG_LEVEL for the logger that exists before config is validated; an invalid value is reported by config. */
export function logLevelFrom(source: Readonly<Record<string, string | undefined>>): LevelWithSilent {
  const level = source["LOG_LEVEL"];
  return level !== undefined && LEVELS.has(level) ? (level as LevelWithSilent) : "info";
}
