import { runReindexCli } from "./backends/reindex.ts";

// Usage and exit codes: see runReindexCli, or run with --help.
process.exitCode = await runReindexCli(process.argv.slice(2));
