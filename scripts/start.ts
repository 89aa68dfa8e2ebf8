import { createLogger, logLevelFrom, runUntilSignalled } from "@aisle/kit";
import { startLocalSupergraph } from "./local-supergraph.ts";
import { startBanner } from "./start-banner.ts";

const log = createLogger("aisle", logLevelFrom(process.env));
void runUntilSignalled(async () => {
  const supergraph = await startLocalSupergraph({ log });
  process.stdout.write(startBanner(supergraph.url, process.env));
  return supergraph;
}, log);
