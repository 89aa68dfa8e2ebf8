import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

/**
 * OpenTelemetry traces. Code everywhere creates spans through `@opentelemetry/api`; with no provider
 * registered (the default: OTEL_EXPORTER_OTLP_ENDPOINT unset) those spans are no-ops and nothing is
 * exported. One provider per process, registered by the first server that starts (the demo runs every
 * server in one process; each server's spans carry `aisle.server`). @apollo/gateway adds its own spans
 * (gateway.request, gateway.plan, gateway.execute, gateway.fetch) through the same API.
 */
export const tracer = trace.getTracer("aisle");

let provider: NodeTracerProvider | undefined;

/**
 * Registers a tracer provider for this process (W3C trace context, async-hooks context) exporting to
 * `spanProcessors`. Returns false, registering nothing, when one is registered already.
 */
export function installTracing(serviceName: string, spanProcessors: readonly SpanProcessor[]): boolean {
  if (provider !== undefined) return false;
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": serviceName }),
    spanProcessors: [...spanProcessors],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  return true;
}

/**
 * Starts OTLP/HTTP export (JSON over HTTP to `<OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces`, or to
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) when either is set; otherwise does nothing. The exporter reads the
 * other standard variables (OTEL_EXPORTER_OTLP_HEADERS, …) from the process environment itself.
 */
export function startTracingFromEnv(
  serviceName: string,
  env: Readonly<Record<string, string | undefined>>,
): void {
  const base = env["OTEL_EXPORTER_OTLP_ENDPOINT"];
  const url =
    env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ||
    (base === undefined || base === "" ? undefined : `${base.replace(/\/+$/, "")}/v1/traces`);
  if (url === undefined || provider !== undefined) return;
  installTracing(env["OTEL_SERVICE_NAME"] ?? serviceName, [
    new BatchSpanProcessor(new OTLPTraceExporter({ url })),
  ]);
}

/** Flushes and stops the provider (tests; a process that exits). */
export async function stopTracing(): Promise<void> {
  const current = provider;
  provider = undefined;
  if (current === undefined) return;
  await current.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
}

/** The trace context a request carries (`traceparent`, `tracestate`). */
export function extractTraceContext(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Context {
  return propagation.extract(ROOT_CONTEXT, headers);
}

/** Adds the current trace context to outgoing headers (`traceparent`); nothing without a provider. */
export function injectTraceContext(headers: Record<string, string>): void {
  propagation.inject(context.active(), headers);
}

/**
 * Runs `fn` in a span named `name` (a child of the active span): the span records an exception thrown or a
 * rejection and always ends. With no provider this costs a no-op span.
 */
export function withSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  options: { kind?: SpanKind; parent?: Context } = {},
): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer.startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

export { SpanKind, SpanStatusCode, type Span };
// For tests and local debugging: spans kept in memory, exported one by one.
export { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanProcessor };
