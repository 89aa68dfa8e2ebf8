import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startTracingFromEnv, stopTracing, tracer, withSpan } from "./tracing.ts";

interface Received {
  readonly path: string;
  readonly contentType: string;
  readonly body: string;
}

/** A stand-in OTLP/HTTP collector on 127.0.0.1 that keeps what it receives. */
async function collector(): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({
        path: req.url ?? "",
        contentType: req.headers["content-type"] ?? "",
        body: Buffer.concat(chunks).toString("utf8"),
      });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, server };
}

describe("OTLP export", () => {
  afterEach(async () => {
    await stopTracing();
  });

  it("registers nothing without OTEL_EXPORTER_OTLP_ENDPOINT: spans are no-ops", async () => {
    startTracingFromEnv("test", {});
    const span = tracer.startSpan("nothing");
    expect(span.isRecording()).toBe(false);
    span.end();
  });

  it("exports spans over OTLP/HTTP to <OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces", async () => {
    const otlp = await collector();
    try {
      startTracingFromEnv("aisle-otlp-test", { OTEL_EXPORTER_OTLP_ENDPOINT: `${otlp.url}/` });
      let traceId = "";
      await withSpan("exported.span", { "aisle.test": true }, async (span) => {
        expect(span.isRecording()).toBe(true);
        traceId = span.spanContext().traceId;
      });
      // Shutting down flushes the batch processor.
      await stopTracing();
      expect(otlp.received.map((r) => r.path)).toContain("/v1/traces");
      const body = otlp.received.map((r) => r.body).join("\n");
      expect(body).toContain("exported.span");
      expect(body).toContain(traceId);
      expect(body).toContain("aisle-otlp-test");
    } finally {
      otlp.server.close();
    }
  });
});
