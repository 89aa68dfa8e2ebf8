import { createLogger, logLevelFrom, runUntilSignalled } from "@aisle/kit";
import { startGateway } from "./gateway.ts";

const log = createLogger("gateway", logLevelFrom(process.env));
void runUntilSignalled(() => startGateway({ log }), log);
