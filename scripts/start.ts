import { createLogger, logLevelFrom, runUntilSignalled } from "@aisle/kit";
import { startLocalSupergraph } from "./local-supergraph.ts";

const log = createLogger("aisle", logLevelFrom(process.env));
void runUntilSignalled(async () => {
  const supergraph = await startLocalSupergraph({ log });
  process.stdout.write(`\n  Aisle is running: open ${supergraph.url} in a browser (Apollo Sandbox).\n\n`);
  return supergraph;
}, log);
