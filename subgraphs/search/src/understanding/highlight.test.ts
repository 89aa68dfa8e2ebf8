import { describe, expect, it } from "vitest";
import { highlightTitle, matchedTitleStems } from "./highlight.ts";

describe("matchedTitleStems", () => {
  it("matches stems exactly, and within AUTO edits only when fuzzy", () => {
    const title = "Wireless Earbuds with Charging Case";
    expect(matchedTitleStems(title, ["earbud"], false)).toEqual(new Set(["earbud"]));
    expect(matchedTitleStems(title, ["earbd"], false)).toEqual(new Set());
    expect(matchedTitleStems(title, ["earbd"], true)).toEqual(new Set(["earbud"]));
    // AUTO: terms up to 2 characters must match exactly, so "ca" does not reach "case".
    expect(matchedTitleStems(title, ["ca"], true)).toEqual(new Set());
  });

  it("feeds highlightTitle, which escapes HTML and marks every occurrence", () => {
    const title = "Case <b> & Case Cover";
    expect(highlightTitle(title, matchedTitleStems(title, ["case"], true))).toBe(
      "<em>Case</em> &#60;b&#62; &#38; <em>Case</em> Cover",
    );
    expect(highlightTitle(title, matchedTitleStems(title, ["lamp"], true))).toBeNull();
  });
});
