import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, env, parseEnv } from "./config.ts";

describe("parseEnv", () => {
  const shape = {
    PORT: env.port(4001),
    DEBUG: env.boolean(false),
    NAME: z.string().min(2).default("catalog"),
  };

  it("applies documented defaults", () => {
    expect(parseEnv(shape, {})).toEqual({ PORT: 4001, DEBUG: false, NAME: "catalog" });
  });

  it("coerces strings", () => {
    expect(parseEnv(shape, { PORT: "5000", DEBUG: "yes" })).toMatchObject({ PORT: 5000, DEBUG: true });
  });

  it("names every bad variable and the value it got", () => {
    let error: unknown;
    try {
      parseEnv(shape, { PORT: "eighty", DEBUG: "maybe", NAME: "x" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    expect(problems).toMatch(/^PORT: .*got "eighty"/m);
    expect(problems).toMatch(/^DEBUG: .*got "maybe"/m);
    expect(problems).toMatch(/^NAME: .*got "x"/m);
  });

  it("refuses ports out of range", () => {
    expect(() => parseEnv(shape, { PORT: "70000" })).toThrow(/PORT/);
  });
});
