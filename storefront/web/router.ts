import type { TemplateResult } from "lit-html";

/** A page: given the URL, renders into the main area (through `show`) and may re-render itself later. */
export type Page = (url: URL, show: (content: TemplateResult) => void) => Promise<void>;

/** Navigation without a reload, and a nudge for the header; main.ts listens for both. */

export function navigate(path: string): void {
  history.pushState(null, "", path);
  window.scrollTo(0, 0);
  window.dispatchEvent(new PopStateEvent("popstate"));
}

/** Re-renders the header (cart count, sign-in) after a change. */
export function refreshHeader(): void {
  window.dispatchEvent(new Event("aisle:header"));
}
