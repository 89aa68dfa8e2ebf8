import { createLogger } from "@aisle/kit";

/** Tests log only errors, so failures stay readable. LOG_LEVEL=debug npm test shows everything. */
export const testLog = createLogger("test", (process.env["LOG_LEVEL"] as "error" | undefined) ?? "error");
