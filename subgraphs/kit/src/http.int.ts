import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { ApolloServer } from "@apollo/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HealthState } from "./health.ts";
import { createGraphQLHttpHandler } from "./http.ts";
import { createLogger } from "./logger.ts";
import { startHttpServer, type RunningServer } from "./server.ts";

const LIMIT = 64 * 1024;
const DISCARD_LIMIT = 8 * 1024 * 1024;

/**
 * Node's own fetch (undici) in a process of its own, as a real client runs: in the test's process the client
 * and the server would share one event loop, and the race this guards against (the server closing while the
 * client is still writing its body: EPIPE) could not happen.
 */
const CLIENT = `
const [url, size, mode] = process.argv.slice(1);
const text = JSON.stringify({ query: "{ hello }", variables: { x: "y".repeat(Number(size)) } });
const headers = { "content-type": "application/json" };
// "chunked": no content-length, so the server learns the size only while reading.
const bodyOf = () => {
  if (mode !== "chunked") return { body: text };
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  const stream = new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + 65536));
      offset += 65536;
    },
  });
  return { body: stream, duplex: "half" };
};
const results = [];
for (let i = 0; i < 3; i++) {
  try {
    const response = await fetch(url, { method: "POST", headers, ...bodyOf() });
    const text = await response.text();
    let code;
    try { code = JSON.parse(text).errors?.[0]?.extensions?.code; } catch {}
    results.push({ status: response.status, code });
  } catch (error) {
    results.push({ error: String(error.cause?.code ?? error.message) });
  }
}
process.stdout.write(JSON.stringify(results));
`;

async function sendFromAnotherProcess(
  url: string,
  size: number,
  mode: "declared" | "chunked" = "declared",
): Promise<unknown[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--input-type=module", "-e", CLIENT, url, String(size), mode],
    { maxBuffer: 1024 * 1024 },
  );
  return JSON.parse(stdout) as unknown[];
}

describe("request body limits", () => {
  let server: RunningServer;

  beforeAll(async () => {
    const log = createLogger("http-test", "silent");
    const apollo = new ApolloServer({ typeDefs: "type Query { hello: String }", resolvers: {} });
    await apollo.start();
    server = await startHttpServer({
      host: "127.0.0.1",
      port: 0,
      path: "/graphql",
      graceMs: 1_000,
      log,
      handler: createGraphQLHttpHandler({
        apollo,
        path: "/graphql",
        maxBodyBytes: LIMIT,
        maxDiscardBytes: DISCARD_LIMIT,
        health: new HealthState([]),
        log,
        context: async () => ({}),
      }),
      onClosed: () => apollo.stop(),
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("answers a 5 MB body with 413 PAYLOAD_TOO_LARGE that Node's fetch receives, every time", async () => {
    const results = await sendFromAnotherProcess(server.url, 5 * 1024 * 1024);
    expect(results).toEqual(Array(3).fill({ status: 413, code: "PAYLOAD_TOO_LARGE" }));
  });

  it("answers a 5 MB chunked body (no content-length) with 413 as well", async () => {
    const results = await sendFromAnotherProcess(server.url, 5 * 1024 * 1024, "chunked");
    expect(results).toEqual(Array(3).fill({ status: 413, code: "PAYLOAD_TOO_LARGE" }));
  });

  it("answers a body just over the limit with 413 too", async () => {
    const results = await sendFromAnotherProcess(server.url, LIMIT);
    expect(results).toEqual(Array(3).fill({ status: 413, code: "PAYLOAD_TOO_LARGE" }));
  });

  it("still serves a body under the limit", async () => {
    const response = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ hello }" }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { hello: null } });
  });

  it("refuses a body past the discard bound without reading it (the client may see the socket close)", async () => {
    const results = (await sendFromAnotherProcess(server.url, DISCARD_LIMIT + 1024)) as {
      status?: number;
      error?: string;
    }[];
    // Either the 413 arrived before the close, or the write failed: never a 200 or a 5xx.
    for (const result of results) {
      if (result.status !== undefined) expect(result.status).toBe(413);
      else expect(result.error).toMatch(/EPIPE|ECONNRESET|UND_ERR_SOCKET|other side closed/);
    }
  });
});
