export { startGateway, type StartGatewayOptions } from "./gateway.ts";
export { loadGatewayConfig, urlVariableFor, type GatewayConfig } from "./config.ts";
