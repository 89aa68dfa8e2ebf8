import { describe, expect, it } from "vitest";
import { DEPARTMENTS } from "./category-specs.ts";

const RESERVED = new Set(["brand", "adj", "noun", "use", "attrs"]);
const placeholders = (template: string) => [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);

describe("category vocabulary", () => {
  const leaves = DEPARTMENTS.flatMap((d) => d.leaves.map((leaf) => ({ department: d, leaf })));

  it("has at least 50 leaves with unique four-letter SKU codes", () => {
    expect(leaves.length).toBeGreaterThanOrEqual(50);
    const codes = leaves.map(({ leaf }) => leaf.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^[A-Z]{4}$/);
  });

  it("gives every leaf nouns, 3+ attributes with values, a price and uses", () => {
    for (const { leaf } of leaves) {
      expect(leaf.nouns.length, leaf.name).toBeGreaterThan(0);
      expect(leaf.attributes.length, leaf.name).toBeGreaterThanOrEqual(3);
      expect(new Set(leaf.attributes.map((a) => a.name)).size, leaf.name).toBe(leaf.attributes.length);
      for (const attribute of leaf.attributes)
        expect(attribute.values.length, attribute.name).toBeGreaterThan(0);
      expect(leaf.price.median, leaf.name).toBeGreaterThan(0);
      expect(leaf.price.sigma, leaf.name).toBeGreaterThan(0);
      expect(leaf.uses.length, leaf.name).toBeGreaterThan(0);
    }
  });

  it("only uses placeholders that can be filled", () => {
    for (const { department, leaf } of leaves) {
      const attributeNames = new Set(leaf.attributes.map((a) => a.name));
      for (const template of department.intros) {
        for (const name of placeholders(template)) expect(RESERVED.has(name), `${template}`).toBe(true);
      }
      for (const template of leaf.details ?? []) {
        for (const name of placeholders(template)) {
          expect(RESERVED.has(name) || attributeNames.has(name), `${leaf.name}: ${template}`).toBe(true);
        }
      }
      for (const sentence of [...department.closings, ...(leaf.closings ?? [])])
        expect(sentence).not.toMatch(/[{}]/);
    }
  });
});
