import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { containsCardNumber, fieldKindOf, findCardNumber, luhnValid } from "./card-number.ts";
import { grouped, TEST_CARD_NUMBERS, timestampOrderIds } from "./card-number.fixtures.ts";

describe("luhnValid", () => {
  it("accepts valid test numbers and refuses a changed digit", () => {
    for (const n of TEST_CARD_NUMBERS) expect({ n, valid: luhnValid(n) }).toEqual({ n, valid: true });
    expect(luhnValid("4111111111111112")).toBe(false);
    expect(luhnValid("")).toBe(false);
    expect(luhnValid("41x1")).toBe(false);
  });
});

describe("containsCardNumber in free text", () => {
  it.each([
    ["4111111111111111", "bare 16 digits"],
    ["4111 1111 1111 1111", "spaces"],
    ["4111-1111-1111-1111", "dashes"],
    ["4111 - 1111 - 1111 - 1111", "dashes between spaces"],
    ["4111  1111  1111  1111", "double spaces"],
    ["4111\u00a01111\u00a01111\u00a01111", "no-break spaces"],
    ["3782 822463 10005", "Amex 4-6-5"],
    ["3056 930902 5904", "Diners 4-6-4"],
    ["4222222222222", "13 digits (shortest)"],
    ["6011 0009 9013 9424 4", "4-4-4-4-1 (17 digits)"],
    ["ship to 4111 1111 1111 1111 please", "inside text"],
    ["order 12 4111 1111 1111 1111", "part of a longer run of groups"],
    ["card: 4111111111111111", "after a label"],
    ["cc:4111111111111111", "after a colon"],
    ["#4111111111111111", "after a hash"],
    ["4111111111111111/123", "followed by a CVV"],
    ["(4111111111111111)", "in brackets"],
    ["Visa 4111-1111-1111-1111 exp 12/29", "with brand and expiry"],
  ])("finds %s (%s)", (text) => {
    expect(containsCardNumber(text)).toBe(true);
  });

  it.each([
    ["4111111111111112", "fails Luhn"],
    ["411111111111", "12 digits: too short even though Luhn-valid"],
    ["41111111111111111111", "20 digits: too long"],
    ["4111 1111 1111 1112", "grouped, fails Luhn"],
    ["41111 1111 1111 111", "not a card layout"],
    ["4111   1111   1111   1111", "groups three spaces apart are not one number"],
    ["+1 555 0100 2030", "phone number"],
    ["10001", "postal code"],
    ["", "empty"],
    ["re order o-reco-1796168294538-0", "a hyphen-joined identifier holding a Luhn-valid timestamp"],
    ["ref INV1796168294538", "digits glued to letters belong to an identifier"],
    ["pm_4111111111111111", "an identifier word, even with a card's digits (see the module comment)"],
  ])("leaves %s alone (%s)", (text) => {
    expect(containsCardNumber(text)).toBe(false);
  });

  it("catches every test card number plain, with spaces and with dashes, wherever it stands in a sentence", () => {
    const missed: string[] = [];
    for (const card of TEST_CARD_NUMBERS) {
      for (const written of [card, grouped(card, " "), grouped(card, "-")]) {
        for (const text of [
          written,
          `Apt 4, ${written}`,
          `call me, my card is ${written}.`,
          `${written}/123`,
        ]) {
          if (!containsCardNumber(text)) missed.push(text);
        }
      }
    }
    expect(missed).toEqual([]);
  });

  it("does not flag UUIDs (8-4-4-4-12 digit groups are not a card layout)", () => {
    const flagged = Array.from({ length: 20_000 }, () => randomUUID()).filter((id) =>
      containsCardNumber(id.replace(/[a-f]/g, (c) => String(c.charCodeAt(0) % 10))),
    );
    expect(flagged).toEqual([]);
  });
});

describe("containsCardNumber in an identifier", () => {
  it("refuses an identifier that is a card number, bare or grouped", () => {
    for (const card of TEST_CARD_NUMBERS) {
      for (const written of [card, grouped(card, " "), grouped(card, "-"), ` ${card} `]) {
        expect({ written, card: containsCardNumber(written, "identifier") }).toEqual({ written, card: true });
      }
    }
  });

  it("leaves identifiers that merely contain a Luhn-valid run of 13–19 digits alone", () => {
    for (const id of [
      "o-reco-1796168294538-0",
      "order:4111111111111111",
      "pm_4111111111111111",
      "12 4111 1111 1111 1111",
    ]) {
      expect({ id, card: containsCardNumber(id, "identifier") }).toEqual({ id, card: false });
    }
  });
});

describe("fieldKindOf", () => {
  it("tells identifiers from free text by the field's name", () => {
    for (const key of ["id", "orderId", "userId", "productId", "deviceId", "productIds", "orderID"]) {
      expect({ key, kind: fieldKindOf(key) }).toEqual({ key, kind: "identifier" });
    }
    for (const key of ["paymentMethodFingerprint", "ip", "emailDomain", "currency", "country", "ipCountry"]) {
      expect({ key, kind: fieldKindOf(key) }).toEqual({ key, kind: "identifier" });
    }
    for (const key of ["line1", "city", "postalCode", "note", "paid", "valid"]) {
      expect({ key, kind: fieldKindOf(key) }).toEqual({ key, kind: "free-text" });
    }
  });
});

describe("findCardNumber", () => {
  const payment = (overrides: Record<string, unknown> = {}) => ({
    orderId: "o-1",
    userId: "42",
    paymentMethodFingerprint: "pm_abc",
    deviceId: "dev-1",
    ip: "10.0.0.1",
    emailDomain: "gmail.com",
    billingAddress: { country: "US", postalCode: "10001", city: "New York", line1: "1 Main St" },
    shippingAddress: { country: "US", postalCode: "10001", city: "New York", line1: "1 Main St" },
    items: [{ productId: "p-1", quantity: 1, unitPriceMinor: 100 }],
    ...overrides,
  });

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

  it("refuses none of 10,000 timestamp-style order ids (the ~1 in 10 that pass Luhn included)", () => {
    const ids = timestampOrderIds(10_000);
    const luhnValidRuns = ids.filter((id) => /\d{13}/.test(id) && luhnValid(/\d{13}/.exec(id)![0]));
    // The sample must hold the ids that used to be refused, or this test proves nothing.
    expect(luhnValidRuns.length).toBeGreaterThan(800);
    expect(ids.filter((orderId) => findCardNumber(payment({ orderId })) !== undefined)).toEqual([]);
    expect(
      ids.filter((id) => findCardNumber(payment({ items: [{ productId: id, quantity: 1 }] })) !== undefined),
    ).toEqual([]);
  });

  it("catches every test card number, plain, spaced and dashed, in each free-text field", () => {
    const missed: string[] = [];
    for (const card of TEST_CARD_NUMBERS) {
      for (const written of [card, grouped(card, " "), grouped(card, "-")]) {
        for (const field of ["line1", "city", "postalCode"] as const) {
          const input = payment({
            shippingAddress: { country: "US", [field]: `see ${written} thanks` },
          });
          if (findCardNumber(input) !== `shippingAddress.${field}`) missed.push(`${field}: ${written}`);
        }
      }
    }
    expect(missed).toEqual([]);
  });
});
