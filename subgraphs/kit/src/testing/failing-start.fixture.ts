// Run as a process by server.int.ts: a server whose start fails while a handle (like a reconnecting Redis
// client) is still open.
import { createLogger } from "../logger.ts";
import { runUntilSignalled } from "../server.ts";

setInterval(() => {}, 1_000);
void runUntilSignalled(() => Promise.reject(new Error("model registry missing")), createLogger("fixture"));
