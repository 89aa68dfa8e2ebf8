import { describe, expect, it } from "vitest";
import { ConfigError } from "@aisle/kit";
import { pricingConfigFromEnv } from "./pricing.config.ts";

describe("pricing config", () => {
  it("has documented defaults", () => {
    expect(pricingConfigFromEnv({})).toMatchObject({
      PRICING_MIN_MARGIN: 0.05,
      PRICING_MAX_CHANGE_PER_DAY: 0.1,
      PRICING_MAX_DISCOUNT: 0.3,
      PRICING_ALLOW_ABOVE_LIST: false,
      PRICING_MAX_ABOVE_LIST: 0.1,
      PRICING_OPTIMISER: "expected-margin",
      PRICING_CANDIDATES: 15,
      FEATURE_STORE: "memory",
    });
  });

  it("accepts values at the edges and refuses values past them, naming the variable", () => {
    expect(
      pricingConfigFromEnv({ PRICING_MAX_DISCOUNT: "0.95", PRICING_MAX_CHANGE_PER_DAY: "0" }),
    ).toMatchObject({
      PRICING_MAX_DISCOUNT: 0.95,
      PRICING_MAX_CHANGE_PER_DAY: 0,
    });
    for (const [name, value] of [
      ["PRICING_MAX_DISCOUNT", "0.96"],
      ["PRICING_MAX_CHANGE_PER_DAY", "-0.01"],
      ["PRICING_MIN_MARGIN", "lots"],
      ["PRICING_CANDIDATES", "1"],
      ["PRICING_OPTIMISER", "cheapest"],
      ["PRICING_DATE", "2026-13-01"],
    ] as const) {
      let error: unknown;
      try {
        pricingConfigFromEnv({ [name]: value });
      } catch (e) {
        error = e;
      }
      expect(error, name).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.join("\n")).toContain(name);
    }
  });
});
