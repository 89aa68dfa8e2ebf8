import { runImportCli } from "./import/run-cli.ts";

// Usage and exit codes: see runImportCli, or run with --help.
process.exitCode = await runImportCli(process.argv.slice(2));
