import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { startLocalSupergraph, type LocalSupergraph } from "../scripts/local-supergraph.ts";
import { chromiumMissing, launchChromium, localOnlyContext } from "../storefront/e2e/browser.ts";
import { testLog } from "./quiet-log.ts";

describe("the offline explorer (GraphiQL at /graphiql)", () => {
  let supergraph: LocalSupergraph;
  let origin: string;
  beforeAll(async () => {
    supergraph = await startLocalSupergraph({ port: 0, log: testLog });
    origin = new URL(supergraph.url).origin;
  });
  afterAll(async () => {
    await supergraph?.close();
  });

  it("is linked from the landing page, beside Apollo Sandbox", async () => {
    const response = await fetch(supergraph.url, { headers: { accept: "text/html" } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('href="/graphiql"');
    // Sandbox stays for those online.
    expect(html).toContain("embeddableSandbox");
  });

  it("is one page that names no other host (nothing to fetch from a CDN)", async () => {
    const response = await fetch(`${origin}/graphiql`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    const html = await response.text();
    expect(html).not.toMatch(/<script[^>]+src=["']https?:/);
    expect(html).not.toMatch(/<link[^>]+href=["']https?:/);
  });

  const missing = chromiumMissing("browser test of GraphiQL");
  if (missing !== undefined) {
    it.skip(missing, () => {});
    return;
  }

  describe("in headless Chromium with every request off this machine blocked", () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it("renders the schema in the docs explorer and runs a query that shows data", async () => {
      const { context, blocked } = await localOnlyContext(browser);
      try {
        const page = await context.newPage();
        await page.goto(`${origin}/graphiql`);

        await page.getByRole("button", { name: "Show Documentation Explorer" }).click();
        const docs = page.locator(".graphiql-doc-explorer");
        // The root type comes from introspecting the gateway; its fields are the API's.
        await docs.getByText("Query", { exact: true }).first().click();
        await expect.poll(() => docs.innerText(), { timeout: 20_000 }).toContain("categories");
        await expect.poll(() => docs.innerText(), { timeout: 20_000 }).toContain("autocomplete");

        await page.getByRole("button", { name: /Execute query/ }).click();
        const result = page.locator(".graphiql-response");
        await expect.poll(() => result.innerText(), { timeout: 20_000 }).toContain('"productCount"');
        const shown = await result.innerText();
        expect(shown).toContain('"categories"');
        expect(shown).not.toContain('"errors"');
        expect(blocked).toEqual([]);
      } finally {
        await context.close();
      }
    });
  });
});
