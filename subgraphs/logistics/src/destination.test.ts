import { describe, expect, it } from "vitest";
import { GraphQLError } from "graphql";
import { locate, parseDestination } from "./destination.ts";

const code = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error instanceof GraphQLError ? error.extensions["code"] : error;
  }
  return undefined;
};

describe("parseDestination", () => {
  it("normalises case, spaces and Canadian codes written without a space", () => {
    expect(parseDestination({ country: " us ", postalCode: "80202" })).toEqual({
      country: "US",
      postalCode: "80202",
    });
    expect(parseDestination({ country: "US", postalCode: "80202-1234" }).postalCode).toBe("80202-1234");
    expect(parseDestination({ country: "ca", postalCode: "k1a0b1" }).postalCode).toBe("K1A 0B1");
    expect(parseDestination({ country: "GB", postalCode: "sw1a  1aa" }).postalCode).toBe("SW1A 1AA");
    expect(parseDestination({ country: "JP", postalCode: "100-0001" }).country).toBe("JP");
  });

  it("refuses malformed destinations with BAD_USER_INPUT", () => {
    for (const input of [
      { country: "USA", postalCode: "80202" },
      { country: "U1", postalCode: "80202" },
      { country: "US", postalCode: "8020" },
      { country: "US", postalCode: "ABCDE" },
      { country: "DE", postalCode: "1234" },
      { country: "CA", postalCode: "123 456" },
      { country: "JP", postalCode: "" },
      { country: "JP", postalCode: "x".repeat(40) },
    ]) {
      expect(code(() => parseDestination(input))).toBe("BAD_USER_INPUT");
    }
  });
});

describe("locate", () => {
  it("serves the contiguous US, with the ZIP first digit as region", () => {
    const denver = locate({ country: "US", postalCode: "80202" });
    expect(denver.served).toBe(true);
    if (denver.served) {
      expect(denver.region).toBe(8);
      expect(denver.lat).toBeCloseTo(39.74, 1);
    }
    const unknownPrefix = locate({ country: "US", postalCode: "59801" }); // Missoula: nearest known ZIP3
    expect(unknownPrefix.served).toBe(true);
  });

  it("explains destinations it cannot serve", () => {
    for (const [destination, pattern] of [
      [{ country: "US", postalCode: "99501" }, /Alaska/],
      [{ country: "US", postalCode: "96813" }, /Hawaii/],
      [{ country: "US", postalCode: "00901" }, /Puerto Rico/],
      [{ country: "US", postalCode: "09001" }, /military/],
      [{ country: "US", postalCode: "00000" }, /not an assigned/],
      [{ country: "FR", postalCode: "75001" }, /United States/],
    ] as const) {
      const where = locate(destination);
      expect(where.served).toBe(false);
      if (!where.served) expect(where.reason).toMatch(pattern);
    }
  });
});
