import { describe, expect, it } from "vitest";
import { startBanner } from "./start-banner.ts";

describe("startBanner", () => {
  const url = "http://localhost:4000/graphql";

  it("points a developer at the Apollo Sandbox", () => {
    expect(startBanner(url, {})).toContain(`open ${url} in a browser (Apollo Sandbox)`);
  });

  it("offers GraphiQL for a machine without internet", () => {
    expect(startBanner(url, {})).toContain("http://localhost:4000/graphiql (GraphiQL, works offline)");
  });

  it("does not offer the Sandbox in production, which turns it off", () => {
    const banner = startBanner(url, { NODE_ENV: "production" });
    expect(banner).toContain(url);
    expect(banner).not.toMatch(/open .* in a browser/);
    expect(banner).toContain("Sandbox and introspection are off");
    expect(banner).not.toContain("graphiql");
  });
});
