import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";

/** Where the offline explorer is served (development only). */
export const EXPLORER_PATH = "/graphiql";

const DEFAULT_QUERY = `# Aisle's API. Anonymous by default; to sign in, run
#   npm run token -- --header
# and paste the JSON it prints into Headers below.
query Departments {
  categories {
    id
    name
    productCount
  }
}
`;

let page: string | undefined;

/**
 * GraphiQL as one self-contained page (its JavaScript, CSS, editor workers and icon inlined from the
 * @graphql-yoga/render-graphiql package): nothing is fetched from a CDN, so it works on a machine without
 * internet. Rendered once (~9 MB) and kept.
 */
export function graphiqlPage(): string {
  page ??= renderGraphiQL({
    title: "Aisle GraphiQL",
    endpoint: "/graphql",
    defaultQuery: DEFAULT_QUERY,
    headers: "{}",
    shouldPersistHeaders: false,
  });
  return page;
}

/** Answers GET /graphiql with the cached page. */
export function serveExplorer(req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD" }).end();
    return;
  }
  const html = graphiqlPage();
  res.writeHead(200, {
    "content-type": "text/html; charset=utf-8",
    "content-length": String(Buffer.byteLength(html)),
    "cache-control": "no-cache",
  });
  res.end(req.method === "HEAD" ? undefined : html);
}

const LINK = `<div id="aisle-offline-explorer" style="position:fixed;top:8px;right:8px;z-index:2147483647;font:14px sans-serif;background:#fff;border:1px solid #ccc;border-radius:4px;padding:6px 10px"><a href="${EXPLORER_PATH}">Offline? Open GraphiQL</a> (served by this gateway, no internet needed)</div>`;

/**
 * Wraps a landing-page plugin (Apollo Sandbox, which loads from a CDN) so its page links to the offline
 * explorer: offline, Sandbox stays blank but the link still shows.
 */
export function withExplorerLink<TContext extends BaseContext>(
  inner: ApolloServerPlugin<TContext>,
): ApolloServerPlugin<TContext> {
  return {
    ...inner,
    async serverWillStart(service) {
      const listener = await inner.serverWillStart?.(service);
      const render = listener?.renderLandingPage;
      if (listener === undefined || render === undefined) return listener;
      return {
        ...listener,
        async renderLandingPage() {
          const landing = await render();
          const html = typeof landing.html === "string" ? landing.html : await landing.html();
          return { ...landing, html: html.replace(/<body[^>]*>/, (body) => `${body}${LINK}`) };
        },
      };
    },
  };
}
