import { parseArgs } from "node:util";
import { signToken } from "@aisle/gateway";

/**
 * Prints a development bearer token signed with the committed dev key (gateway/dev-keys/, never valid in
 * production): `npm run token -- --user 42 --scope shopper [--scope partner] [--ttl 3600]`.
 */
const { values } = parseArgs({
  options: {
    user: { type: "string", default: "42" },
    scope: { type: "string", multiple: true, default: ["shopper"] },
    ttl: { type: "string", default: "3600" },
    header: { type: "boolean", default: false },
  },
});
const ttlSeconds = Number(values.ttl);
if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
  process.stderr.write(`--ttl must be a positive number of seconds (got ${JSON.stringify(values.ttl)})\n`);
  process.exit(1);
}
const token = await signToken({ user: values.user, scopes: values.scope, ttlSeconds });
// --header prints the JSON to paste into Apollo Sandbox's "Headers" panel.
process.stdout.write(
  values.header ? `${JSON.stringify({ Authorization: `Bearer ${token}` })}\n` : `${token}\n`,
);
