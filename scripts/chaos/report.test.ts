import { describe, expect, it } from "vitest";
import type { Sample } from "./load.ts";
import { degradedAfter, phaseFigures, type Phase } from "./report.ts";

const sample = (start: number, end: number, whole: boolean): Sample => ({
  operation: "listing",
  loop: 0,
  phase: "pricing",
  start,
  end,
  status: 200,
  degraded: [],
  verdict: whole
    ? { whole: true, partial: [], violations: [] }
    : { whole: false, partial: ["productsByCategory.edges.0.node.price"], violations: [] },
});

const phase = (): Phase => ({
  name: "pricing",
  start: 1_000,
  end: 20_000,
  outage: { dependency: "pricing", killAt: 1_000, returnAt: 10_000, endAt: 20_000 },
  restartSeconds: 3,
});

describe("phaseFigures", () => {
  it("measures seconds to whole from the return to the start of the last answer that was not whole", () => {
    const samples = [
      sample(2_000, 2_100, false),
      sample(11_500, 11_600, false),
      sample(12_000, 12_100, true),
    ];
    const figures = phaseFigures(samples, phase());
    expect(figures.secondsToWhole).toBe(1.5);
    expect(figures.wholeAgain).toBe(true);
    expect(figures.partial).toBe(2);
    expect(figures.firstWholeSeconds).toBe(2.1);
  });

  it("is 0 when every answer sent after the return was whole", () => {
    const samples = [sample(2_000, 2_100, false), sample(10_500, 10_600, true)];
    expect(phaseFigures(samples, phase()).secondsToWhole).toBe(0);
  });

  it("says not whole again when no whole answer came after the last bad one", () => {
    const samples = [sample(2_000, 2_100, false), sample(19_000, 19_100, false)];
    expect(phaseFigures(samples, phase()).wholeAgain).toBe(false);
  });

  it("ignores an answer still in flight when the next fault began", () => {
    const samples = [sample(10_500, 10_600, true), sample(19_900, 20_400, false)];
    const figures = phaseFigures(samples, phase());
    expect(figures.secondsToWhole).toBe(0);
    expect(figures.wholeAgain).toBe(true);
  });
});

describe("degradedAfter", () => {
  it("gives, per field, the start of its last degraded answer after the return", () => {
    const at = (start: number, degraded: string[]): Sample => ({
      ...sample(start, start + 50, true),
      degraded,
    });
    const samples = [
      at(500, ["price"]),
      at(1_500, ["price", "deliveryEstimate"]),
      at(4_000, ["price"]),
      at(5_000, []),
    ];
    expect(degradedAfter(samples, 1_000)).toEqual([
      ["price", 3],
      ["deliveryEstimate", 0.5],
    ]);
  });
});
