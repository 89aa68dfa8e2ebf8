import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { convertMinor, rateFor, SUPPORTED_CURRENCIES } from "./currency.ts";

describe("currency table", () => {
  it("supports USD at rate 1 and converts others by the documented fixed rate", () => {
    expect(rateFor("USD")).toBe(1);
    expect(convertMinor(12_999, rateFor("USD"))).toBe(12_999);
    expect(convertMinor(10_000, rateFor("EUR"))).toBe(9_200);
    expect(SUPPORTED_CURRENCIES).toContain("GBP");
  });

  it("refuses unknown or malformed codes with BAD_USER_INPUT", () => {
    for (const code of ["JPY", "usd", "", "toString", "__proto__"]) {
      let error: unknown;
      try {
        rateFor(code);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(GraphQLError);
      expect((error as GraphQLError).extensions["code"]).toBe("BAD_USER_INPUT");
    }
  });
});
