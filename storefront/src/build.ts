import { fileURLToPath } from "node:url";
import { build } from "vite";

/** The web app's sources (index.html, main.ts, pages/). */
export const WEB_ROOT = fileURLToPath(new URL("../web", import.meta.url));
/** Where `npm start` builds it (ignored by git: build output is never committed). */
export const DEFAULT_OUT_DIR = fileURLToPath(new URL("../dist", import.meta.url));

/**
 * Builds the web app with Vite into `outDir` (a few seconds) and returns the directory. Everything it needs
 * comes from npm packages in node_modules: no CDN, nothing fetched at run time.
 */
export async function buildStorefront(outDir: string = DEFAULT_OUT_DIR): Promise<string> {
  await build({
    configFile: false,
    root: WEB_ROOT,
    logLevel: "warn",
    mode: "production",
    // Production builds of dependencies (lit-html's dev build adds warnings) even when NODE_ENV says otherwise,
    // as it does under vitest.
    resolve: { conditions: ["module", "browser", "production"] },
    // The generated operations live outside the web root (operations/__generated__).
    server: { fs: { allow: [fileURLToPath(new URL("../..", import.meta.url))] } },
    build: { outDir, emptyOutDir: true, target: "es2022", sourcemap: false, reportCompressedSize: false },
  });
  return outDir;
}
