import { randomUUID } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { signToken } from "@aisle/gateway";
import { startHttpServer, type Logger, type RunningServer } from "@aisle/kit";
import { StorefrontWhoAmIDocument } from "../../operations/__generated__/graphql.ts";
import { CheckoutError, checkout, parseCheckoutRequest } from "./checkout.ts";
import { gatewayRequest } from "./gateway-client.ts";
import { IMAGE_ID, productSvg } from "./product-image.ts";

export interface StorefrontOptions {
  /** The gateway's GraphQL URL, e.g. http://127.0.0.1:4000/graphql. */
  readonly gatewayUrl: string;
  /** The built web app (index.html and assets/), see buildStorefront. */
  readonly staticDir: string;
  readonly port: number;
  readonly host?: string;
  readonly log: Logger;
  /**
   * The service:checkout token for assessPayment, or undefined to sign a short-lived one with the dev key per
   * checkout (development only); null turns checkout off (UNAVAILABLE).
   */
  readonly checkoutToken: string | undefined | null;
  /** Offer "sign in as user N" with a dev-signed shopper token in an HttpOnly cookie. */
  readonly devSignIn: boolean;
}

const SESSION_COOKIE = "aisle_session";
const DEVICE_COOKIE = "aisle_device";
const MAX_BODY_BYTES = 64 * 1024;
const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".ico": "image/x-icon",
};

/**
 * The storefront's own server: the built web app, a /graphql proxy to the gateway (adding the signed-in
 * shopper's token from an HttpOnly cookie), generated product images, dev sign-in, and the checkout route,
 * which alone holds the service:checkout token.
 */
export async function startStorefront(options: StorefrontOptions): Promise<RunningServer> {
  const { log } = options;
  const checkoutToken =
    options.checkoutToken === null
      ? null
      : options.checkoutToken === undefined
        ? () => signToken({ user: "svc-storefront", scopes: ["service:checkout"], ttlSeconds: 300 })
        : () => Promise.resolve(options.checkoutToken as string);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://storefront");
    const path = url.pathname;
    if (path === "/graphql") return proxyGraphQL(req, res);
    if (path.startsWith("/img/")) return image(res, path);
    if (path === "/api/session") return session(req, res);
    if (path === "/api/checkout") return checkoutRoute(req, res);
    if (path.startsWith("/api/"))
      return json(res, 404, { error: { code: "NOT_FOUND", message: "no such route" } });
    return serveStatic(req, res, path);
  };

  async function proxyGraphQL(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST")
      return json(res, 405, { error: { code: "METHOD_NOT_ALLOWED", message: "POST only" } });
    const body = await readJsonBody(req, res);
    if (body === undefined) return;
    const token = cookies(req)[SESSION_COOKIE];
    const upstream = await fetch(options.gatewayUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        // Only the shopper's own session token: an Authorization header from the page is not passed on.
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        // The shopper's address for the gateway's per-IP limit (it reads it with TRUSTED_PROXY_HOPS=1).
        "x-forwarded-for": forwardedFor(req),
      },
      body,
      signal: AbortSignal.timeout(15_000),
    });
    res.writeHead(upstream.status, {
      "content-type": upstream.headers.get("content-type") ?? "application/json",
    });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  }

  function image(res: ServerResponse, path: string): void {
    // /img/<categoryId>/<productId>.svg
    const [, categoryId = "", productId = ""] = /^\/img\/([^/]+)\/([^/]+)\.svg$/.exec(path) ?? [];
    if (!IMAGE_ID.test(categoryId) || !IMAGE_ID.test(productId)) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("no such image");
      return;
    }
    res.writeHead(200, { "content-type": "image/svg+xml", "cache-control": "public, max-age=86400" });
    res.end(productSvg(productId, categoryId));
  }

  async function session(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === "DELETE") {
      res.setHeader("set-cookie", `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
      return json(res, 200, { user: null });
    }
    if (req.method !== "POST")
      return json(res, 405, { error: { code: "METHOD_NOT_ALLOWED", message: "POST or DELETE" } });
    if (!options.devSignIn) {
      return json(res, 403, {
        error: { code: "FORBIDDEN", message: "dev sign-in is off (NODE_ENV=production)" },
      });
    }
    const raw = await readJsonBody(req, res);
    if (raw === undefined) return;
    const body = parseJson(raw);
    const user = typeof body === "object" && body !== null ? (body as { user?: unknown }).user : undefined;
    if (typeof user !== "string" || !/^[0-9]{1,9}$/.test(user)) {
      return json(res, 400, {
        error: { code: "BAD_USER_INPUT", message: "user: a numeric user id, e.g. 42" },
      });
    }
    const token = await signToken({ user, scopes: ["shopper"], ttlSeconds: 8 * 3600 });
    res.setHeader(
      "set-cookie",
      `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${8 * 3600}`,
    );
    return json(res, 200, { user });
  }

  async function checkoutRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST")
      return json(res, 405, { error: { code: "METHOD_NOT_ALLOWED", message: "POST only" } });
    const raw = await readJsonBody(req, res);
    if (raw === undefined) return;
    try {
      if (checkoutToken === null) throw new CheckoutError("UNAVAILABLE", "checkout is not configured", 503);
      const request = parseCheckoutRequest(parseJson(raw));
      const jar = cookies(req);
      const shopper = jar[SESSION_COOKIE];
      const me =
        shopper === undefined
          ? undefined
          : await gatewayRequest(options.gatewayUrl, StorefrontWhoAmIDocument, {}, shopper);
      const result = await checkout({ gatewayUrl: options.gatewayUrl, checkoutToken }, request, {
        userId: me?.data?.me?.id,
        ip: req.socket.remoteAddress ?? "127.0.0.1",
        deviceId: jar[DEVICE_COOKIE] ?? "unknown-device",
      });
      log.info({ orderId: result.orderId, action: result.action }, "checkout assessed");
      return json(res, 200, result);
    } catch (error) {
      if (error instanceof CheckoutError) {
        return json(res, error.status, { error: { code: error.code, message: error.message } });
      }
      throw error;
    }
  }

  async function serveStatic(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method !== "GET" && req.method !== "HEAD") {
      return json(res, 405, { error: { code: "METHOD_NOT_ALLOWED", message: "GET only" } });
    }
    const relative = normalize(decodeURIComponent(path)).replace(/^([/\\])+/, "");
    const file = join(options.staticDir, relative);
    const inside = file === options.staticDir || file.startsWith(options.staticDir + sep);
    const found = inside && relative !== "" && (await stat(file).catch(() => undefined))?.isFile() === true;
    // Routes of the single-page app (no file extension) get index.html; a missing asset is a 404.
    if (!found && extname(relative) !== "") {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
      return;
    }
    const target = found ? file : join(options.staticDir, "index.html");
    const headers: Record<string, string> = {
      "content-type": TYPES[extname(target)] ?? "application/octet-stream",
    };
    headers["cache-control"] = relative.startsWith("assets/")
      ? "public, max-age=31536000, immutable"
      : "no-cache";
    if (target.endsWith(".html") && cookies(req)[DEVICE_COOKIE] === undefined) {
      // A device id for payment risk, as a storefront's device fingerprinting would give.
      headers["set-cookie"] =
        `${DEVICE_COOKIE}=dev-${randomUUID()}; Path=/; SameSite=Strict; Max-Age=31536000`;
    }
    res.writeHead(200, headers);
    res.end(req.method === "HEAD" ? undefined : await readFile(target));
  }

  return startHttpServer({
    host: options.host ?? "127.0.0.1",
    port: options.port,
    path: "/",
    graceMs: 5_000,
    log,
    handler: (req, res) => {
      handle(req, res).catch((error: unknown) => {
        log.error({ err: error, path: req.url }, "storefront request failed");
        if (!res.headersSent)
          json(res, 502, { error: { code: "UPSTREAM_ERROR", message: "the API did not answer" } });
        else res.destroy();
      });
    },
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

function forwardedFor(req: IncomingMessage): string {
  const before = req.headers["x-forwarded-for"];
  const peer = req.socket.remoteAddress ?? "unknown";
  const chain = Array.isArray(before) ? before.join(", ") : before;
  return chain === undefined || chain === "" ? peer : `${chain}, ${peer}`;
}

function cookies(req: IncomingMessage): Record<string, string> {
  const jar: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at > 0) jar[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return jar;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new RangeError("request body too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * The body of a JSON route. Only `application/json` is accepted: a cross-site form cannot send it without a
 * CORS preflight, which this server never grants (CSRF).
 */
async function readJsonBody(req: IncomingMessage, res: ServerResponse): Promise<string | undefined> {
  if (!(req.headers["content-type"] ?? "").startsWith("application/json")) {
    json(res, 415, { error: { code: "UNSUPPORTED_MEDIA_TYPE", message: "send application/json" } });
    return undefined;
  }
  return (await readBody(req)).toString("utf8");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
