import { startSubgraph, type Logger, type RunningServer } from "@aisle/kit";
import { startGateway } from "@aisle/gateway";
import { SUBGRAPHS } from "./subgraphs.ts";

export interface LocalSupergraph extends RunningServer {
  /** Subgraph name → its own URL, for calling a subgraph directly. */
  readonly subgraphs: Readonly<Record<string, string>>;
}

export interface LocalSupergraphOptions {
  /** Gateway port; subgraphs use their default ports. With 0, every server takes a free port (tests, bench). */
  readonly port?: number;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
}

/**
 * Every subgraph and the gateway in one process, on embedded defaults (no Redis, no OpenSearch): the demo
 * (`npm start`), the integration tests and the benchmark all boot the supergraph this one way.
 */
export async function startLocalSupergraph(options: LocalSupergraphOptions): Promise<LocalSupergraph> {
  const freePorts = options.port === 0;
  const started: RunningServer[] = [];
  const subgraphs: Record<string, string> = {};
  const closeAll = async () => {
    await Promise.all(started.map((s) => s.close()));
  };
  try {
    for (const definition of SUBGRAPHS) {
      const running = await startSubgraph(definition, {
        port: freePorts ? 0 : definition.defaultPort,
        log: options.log.child({ service: definition.name }),
        ...(options.env === undefined ? {} : { env: options.env }),
      });
      started.push(running);
      subgraphs[definition.name] = running.url;
    }
    const gateway = await startGateway({
      subgraphUrls: subgraphs,
      log: options.log.child({ service: "gateway" }),
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.env === undefined ? {} : { env: options.env }),
    });
    return {
      url: gateway.url,
      port: gateway.port,
      subgraphs,
      close: async () => {
        await gateway.close();
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
