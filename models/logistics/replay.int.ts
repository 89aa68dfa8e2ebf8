import { describe, expect, it } from "vitest";
import type { RecalibrationSettings } from "../../subgraphs/logistics/src/delivery.recalibration.ts";
import { chooseSettings, replayRecalibration, type GridResult, type Replayed } from "./replay.ts";

// Pure logic, kept beside the eval it serves (the unit tier only collects src/ folders).
const DAY_MS = 86_400_000;
const settings: RecalibrationSettings = { window: 100, minOutcomes: 50, step: 0, centre: true };
const predicted = { mu: Math.log(2), sigma: 0.3 };

describe("replayRecalibration", () => {
  // One order a day, each delivered 10 days later (the model said 2): the 50th outcome arrives at day 59.
  const outcomes: Replayed[] = Array.from({ length: 60 }, (_, i) => ({
    purchasedAt: i * DAY_MS,
    deliveredAt: (i + 10) * DAY_MS,
    predicted,
  }));
  const request = (at: number): Replayed => ({ purchasedAt: at, deliveredAt: at + DAY_MS, predicted });

  it("uses an outcome only once it was delivered before the purchase being answered", () => {
    const [atFiftieth, justAfter] = replayRecalibration(
      outcomes,
      [request(59 * DAY_MS), request(59 * DAY_MS + 1)],
      settings,
    );
    expect(atFiftieth).toEqual(predicted); // 49 outcomes known: the trained calibration
    expect(Math.exp(justAfter!.mu)).toBeCloseTo(10, 6); // 50 known: the P50 moves to their 10 days
  });

  it("answers each request as of its own time, whatever order the requests come in", () => {
    const times = [70, 20, 61, 59.5, 65].map((d) => d * DAY_MS);
    const shuffled = replayRecalibration(outcomes, times.map(request), settings);
    const one = times.map((t) => replayRecalibration(outcomes, [request(t)], settings)[0]);
    expect(shuffled).toEqual(one);
  });
});

describe("chooseSettings", () => {
  const result = (window: number, p90Coverage: number, maeDays: number, meanP90Days: number): GridResult => ({
    settings: { ...settings, window },
    p90Coverage,
    maeDays,
    meanP90Days,
  });

  it("takes the lowest MAE within 0.90 ± 0.01, then the narrowest P90", () => {
    const chosen = chooseSettings([
      result(100, 0.85, 3.0, 10), // best MAE, but outside the band
      result(200, 0.895, 4.0, 12),
      result(400, 0.905, 4.0, 11),
      result(800, 0.91, 4.5, 9),
    ]);
    expect(chosen.settings.window).toBe(400);
  });

  it("takes the settings nearest to 0.90 when none is within the band", () => {
    const chosen = chooseSettings([result(100, 0.95, 3.0, 10), result(200, 0.93, 4.0, 12)]);
    expect(chosen.settings.window).toBe(200);
  });
});
