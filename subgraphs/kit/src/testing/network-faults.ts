import { connect, createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

/**
 * Stand-ins for a dependency (Redis above all) that misbehaves on the network, for tests of degraded modes:
 * down (`closedPort`), hanging (`blackHole`), or going away mid-load (`tcpProxy` to the real one).
 */
export interface FaultyEndpoint {
  readonly port: number;
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
}

export interface TcpProxy extends FaultyEndpoint {
  /** From now on, swallow everything in both directions: the upstream stops answering, connections stay open. */
  hang(): void;
}

async function listening(server: Server, port: number, sockets: Set<Socket>): Promise<FaultyEndpoint> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  const endpoint = await listening(server, 0, new Set());
  await endpoint.close();
  return endpoint.port;
}

/** Accepts connections and never answers. */
export function blackHole(): Promise<FaultyEndpoint> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("data", () => {});
  });
  return listening(server, 0, sockets);
}

/** Forwards 127.0.0.1:`port` (0: a free one) to 127.0.0.1:`target` until it is hung or closed. */
export async function tcpProxy(target: number, port = 0): Promise<TcpProxy> {
  let hanging = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target, "127.0.0.1");
    sockets.add(client).add(upstream);
    client.on("data", (chunk) => (hanging ? undefined : upstream.write(chunk)));
    upstream.on("data", (chunk) => (hanging ? undefined : client.write(chunk)));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  const endpoint = await listening(server, port, sockets);
  return { ...endpoint, hang: () => (hanging = true) };
}
