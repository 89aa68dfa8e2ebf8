import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { containsCardNumber, findCardNumber, luhnValid } from "./card-number.ts";

describe("luhnValid", () => {
  it("accepts valid test numbers and refuses a changed digit", () => {
    for (const n of [
      "4111111111111111",
      "5555555555554444",
      "378282246310005",
      "6011111111111117",
      "4222222222222",
    ]) {
      expect(luhnValid(n)).toBe(true);
    }
    expect(luhnValid("4111111111111112")).toBe(false);
    expect(luhnValid("")).toBe(false);
    expect(luhnValid("41x1")).toBe(false);
  });
});

describe("containsCardNumber", () => {
  it.each([
    ["4111111111111111", "bare 16 digits"],
    ["4111 1111 1111 1111", "spaces"],
    ["4111-1111-1111-1111", "dashes"],
    ["3782 822463 10005", "Amex 4-6-5"],
    ["4222222222222", "13 digits (shortest)"],
    ["6011 0009 9013 9424 4", "4-4-4-4-1 (17 digits)"],
    ["ship to 4111 1111 1111 1111 please", "inside text"],
    ["order 12 4111 1111 1111 1111", "part of a longer run of groups"],
    ["pm_4111111111111111", "glued to letters"],
  ])("finds %s (%s)", (text) => {
    expect(containsCardNumber(text)).toBe(true);
  });

  it.each([
    ["4111111111111112", "fails Luhn"],
    ["411111111111", "12 digits: too short even though Luhn-valid"],
    ["41111111111111111111", "20 digits: too long"],
    ["4111 1111 1111 1112", "grouped, fails Luhn"],
    ["41111 1111 1111 111", "not a card layout"],
    ["+1 555 0100 2030", "phone number"],
    ["10001", "postal code"],
    ["", "empty"],
  ])("leaves %s alone (%s)", (text) => {
    expect(containsCardNumber(text)).toBe(false);
  });

  it("does not flag UUIDs (8-4-4-4-12 digit groups are not a card layout)", () => {
    const flagged = Array.from({ length: 20_000 }, () => randomUUID()).filter((id) =>
      containsCardNumber(id.replace(/[a-f]/g, (c) => String(c.charCodeAt(0) % 10))),
    );
    expect(flagged).toEqual([]);
  });
});

describe("findCardNumber", () => {
  it("names the nested field without returning the number", () => {
    const input = {
      orderId: "o-1",
      shippingAddress: { country: "US", line1: "4111 1111 1111 1111" },
      items: [],
    };
    expect(findCardNumber(input)).toBe("shippingAddress.line1");
    expect(findCardNumber({ items: [{ productId: "p" }, { productId: "378282246310005" }] })).toBe(
      "items[1].productId",
    );
    expect(findCardNumber({ amountMinor: 4111111111111111, note: "fine" })).toBeUndefined();
  });
});
