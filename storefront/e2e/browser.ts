import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext } from "playwright-core";

/** Debian's Chromium (`apt-get install -y chromium`): browser downloads do not work on these machines. */
export const CHROMIUM_PATH = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

/** Why the browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(which = "storefront browser tests"): string | undefined {
  return existsSync(CHROMIUM_PATH)
    ? undefined
    : `${CHROMIUM_PATH} is missing: ${which} skipped (apt-get install -y chromium)`;
}

/** Headless, no sandbox (root in CI), nothing phoning home (see shared ENVIRONMENT.md). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}

/**
 * A browser context that may only talk to 127.0.0.1: any other request is aborted and recorded in `blocked`
 * (a page that fetched a CDN script or a remote image would show up there). Shared by the storefront's
 * end-to-end tests and the gateway's explorer test.
 */
export async function localOnlyContext(
  browser: Browser,
): Promise<{ context: BrowserContext; blocked: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const blocked: string[] = [];
  await context.route("**/*", async (route) => {
    const url = new URL(route.request().url());
    // blob: and data: URLs are made in the page itself (GraphiQL's editor workers are blob: URLs).
    if (url.protocol === "data:" || url.protocol === "blob:" || url.hostname === "127.0.0.1") {
      return route.continue();
    }
    blocked.push(url.href);
    return route.abort();
  });
  return { context, blocked };
}
