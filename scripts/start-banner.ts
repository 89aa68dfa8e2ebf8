/** What `npm start` tells the person who ran it: production turns the Apollo Sandbox and introspection off. */
export function startBanner(url: string, env: Readonly<Record<string, string | undefined>>): string {
  if (env["NODE_ENV"] === "production") {
    return (
      `\n  Aisle is running at ${url} (NODE_ENV=production): send GraphQL requests there with POST; ` +
      `the Apollo Sandbox and introspection are off.\n\n`
    );
  }
  // Sandbox loads from a CDN; GraphiQL at /graphiql is served by the gateway itself and works offline.
  const graphiql = new URL("/graphiql", url).href;
  return `\n  Aisle is running: open ${url} in a browser (Apollo Sandbox), or ${graphiql} (GraphiQL, works offline).\n\n`;
}
