import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "./logger.ts";

export interface RunningServer {
  /** e.g. http://127.0.0.1:4001/graphql */
  readonly url: string;
  readonly port: number;
  /** Graceful: stops accepting, lets in-flight requests finish (up to the grace period), then releases resources. */
  close(): Promise<void>;
}

export interface HttpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly graceMs: number;
  readonly log: Logger;
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** Called first on close, e.g. to turn readiness off. */
  readonly onCloseStart?: () => void;
  /** Called after the socket is closed and in-flight requests are done. */
  readonly onClosed?: () => Promise<void>;
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningServer> {
  const server = createServer(options.handler);
  // Longer than the gateway's client-side keep-alive, so the server never closes a socket a client is reusing.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 30_000;
  const address = await listen(server, options.host, options.port);
  const shownHost = options.host === "0.0.0.0" || options.host === "::" ? "localhost" : options.host;
  const url = `http://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${address.port}${options.path}`;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      options.onCloseStart?.();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => {
        options.log.warn({ graceMs: options.graceMs }, "grace period over; closing open connections");
        server.closeAllConnections();
      }, options.graceMs);
      timer.unref();
      await closed;
      clearTimeout(timer);
      await options.onClosed?.();
    })();
    return closing;
  };
  return { url, port: address.port, close };
}

/**
 * Runs a server as a process: starts it, logs where it listens, and shuts it down gracefully on SIGTERM or
 * SIGINT. A configuration error is printed plainly and the process exits 1. A failed start exits at once:
 * open handles (a reconnecting Redis client, model sessions) would otherwise keep a process alive that
 * never listens, and an orchestrator would not restart it.
 */
export async function runUntilSignalled(start: () => Promise<RunningServer>, log: Logger): Promise<void> {
  let running: RunningServer;
  try {
    running = await start();
  } catch (error) {
    if (error instanceof Error && error.name === "ConfigError") {
      process.stderr.write(`${error.message}\n`);
    } else {
      log.fatal({ err: error }, "failed to start");
    }
    process.exit(1);
  }
  const stop = (signal: NodeJS.Signals): void => {
    log.info({ signal }, "shutting down");
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, "error during shutdown");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
