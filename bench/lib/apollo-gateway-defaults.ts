import { readFile } from "node:fs/promises";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";

/**
 * `node --import tsx bench/lib/apollo-gateway-defaults.ts <supergraph> <port>`: @apollo/gateway as its
 * documentation sets it up, for the gateway benchmark's like-for-like arm: RemoteGraphQLDataSource for every
 * subgraph (no in-flight merging: @apollo/gateway has none), Apollo Server's standalone HTTP server.
 */
const [supergraphPath, port] = process.argv.slice(2);
if (supergraphPath === undefined || port === undefined) {
  throw new Error("usage: apollo-gateway-defaults.ts <supergraph.graphql> <port>");
}
// Otherwise @apollo/gateway starts an exporter that reports to Apollo.
process.env["APOLLO_TELEMETRY_DISABLED"] = "true";
const gateway = new ApolloGateway({ supergraphSdl: await readFile(supergraphPath, "utf8") });
const server = new ApolloServer({ gateway });
await startStandaloneServer(server, { listen: { host: "127.0.0.1", port: Number(port) } });
process.once("SIGTERM", () => void server.stop().then(() => process.exit(0)));
