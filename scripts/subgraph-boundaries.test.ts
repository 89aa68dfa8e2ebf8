import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

/* The lint rule of eslint.config.js that keeps subgraphs apart: no subgraph imports another; platform packages
   (kit, ml, behaviour, world) may be imported by anyone and import no subgraph. */

const eslint = new ESLint();

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === "no-restricted-imports")
    .map((m) => m.message.split("'")[1] ?? m.message);
}

describe("subgraph boundaries (eslint no-restricted-imports)", () => {
  it("refuses a subgraph importing another subgraph, by package name or by path", async () => {
    const code = [
      'import type { UserType } from "@aisle/user-profile";',
      'import type { PricingService } from "../../pricing/src/pricing.service.ts";',
      "export type Probe = [UserType, PricingService];",
      "",
    ].join("\n");
    expect(await restricted("subgraphs/recommendation/src/probe.ts", code)).toEqual([
      "@aisle/user-profile",
      "../../pricing/src/pricing.service.ts",
    ]);
  });

  it("lets a subgraph import the platform packages and its own files", async () => {
    const code = [
      'import type { Behaviour } from "@aisle/behaviour";',
      'import type { RequestContext } from "@aisle/kit";',
      'import type { FeatureStore } from "@aisle/ml";',
      'import type { World } from "@aisle/world";',
      'import type { ItemFacts } from "./catalog-facts.ts";',
      "export type Probe = [Behaviour, RequestContext, FeatureStore, World, ItemFacts];",
      "",
    ].join("\n");
    expect(await restricted("subgraphs/recommendation/src/probe.ts", code)).toEqual([]);
  });

  it("refuses a platform package importing a subgraph", async () => {
    const code =
      'import type { PricingService } from "@aisle/pricing";\nexport type Probe = PricingService;\n';
    expect(await restricted("subgraphs/behaviour/src/probe.ts", code)).toEqual(["@aisle/pricing"]);
    expect(await restricted("subgraphs/kit/src/probe.ts", code)).toEqual(["@aisle/pricing"]);
  });
});
