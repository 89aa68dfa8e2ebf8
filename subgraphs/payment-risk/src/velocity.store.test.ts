import { describe, expect, it } from "vitest";
import { MemoryVelocityStore, WINDOWS, type VelocityEvent } from "./velocity.store.ts";

const T0 = Date.UTC(2026, 10, 1);
const event = (id: string, at: number, card = "card", amountMinor = 100, user = id): VelocityEvent => ({
  id,
  at,
  amountMinor,
  keys: { user, paymentMethod: card, device: "d", ip: "i", emailDomain: "e" },
  links: { user: "d", paymentMethod: user, device: user, ip: user, emailDomain: "" },
});

describe("MemoryVelocityStore window maths", () => {
  it("counts earlier payments in (at - window, at]: an event exactly one window old is out", () => {
    const store = new MemoryVelocityStore();
    store.recordAndReadSync(event("a", T0 - WINDOWS["1h"], "c", 100)); // exactly 1 h before T0
    store.recordAndReadSync(event("b", T0 - WINDOWS["1h"] + 1, "c", 200)); // 1 ms inside
    store.recordAndReadSync(event("c", T0 - WINDOWS["24h"] + 1, "c", 400)); // inside 24 h, before the others
    const s = store.recordAndReadSync(event("now", T0, "c", 800));
    expect(s.paymentMethod.count).toEqual({ "1h": 1, "24h": 3, "7d": 3 });
    expect(s.paymentMethod.sumMinor).toEqual({ "1h": 200, "24h": 700, "7d": 700 });
  });

  it("drops events older than 7 days and never counts future ones", () => {
    const store = new MemoryVelocityStore();
    store.recordAndReadSync(event("old", T0 - WINDOWS["7d"]));
    store.recordAndReadSync(event("edge", T0 - WINDOWS["7d"] + 1));
    expect(store.recordAndReadSync(event("now", T0)).paymentMethod.count["7d"]).toBe(1);
    const skewed = new MemoryVelocityStore();
    skewed.recordAndReadSync(event("future", T0 + 1_000));
    expect(skewed.recordAndReadSync(event("now", T0)).paymentMethod.count).toEqual({
      "1h": 0,
      "24h": 0,
      "7d": 0,
    });
  });

  it("records an id once: a replay neither counts itself nor adds again", () => {
    const store = new MemoryVelocityStore();
    store.recordAndReadSync(event("x", T0 - 10, "c", 100));
    const first = store.recordAndReadSync(event("y", T0, "c", 100));
    const replay = store.recordAndReadSync(event("y", T0, "c", 100));
    expect(first.paymentMethod.count["1h"]).toBe(1);
    expect(replay.paymentMethod.count["1h"]).toBe(1);
    expect(store.recordAndReadSync(event("z", T0 + 1, "c")).paymentMethod.count["1h"]).toBe(2);
  });

  it("handles out-of-order arrivals (clock skew) with correct sums", () => {
    const store = new MemoryVelocityStore();
    store.recordAndReadSync(event("late", T0, "c", 1));
    store.recordAndReadSync(event("early", T0 - 1000, "c", 10));
    store.recordAndReadSync(event("mid", T0 - 500, "c", 100));
    const s = store.recordAndReadSync(event("now", T0 + 1, "c", 0));
    expect(s.paymentMethod.count["1h"]).toBe(3);
    expect(s.paymentMethod.sumMinor["1h"]).toBe(111);
  });

  it("sees 0..N-1 for N concurrent payments of one card and N afterwards", async () => {
    const store = new MemoryVelocityStore();
    const seen = await Promise.all(
      Array.from({ length: 100 }, (_, i) => store.recordAndRead(event(`p${i}`, T0, "same"))),
    );
    expect(seen.map((s) => s.paymentMethod.count["1h"]).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 100 }, (_, i) => i),
    );
    const after = await store.recordAndRead(event("probe", T0, "same"));
    expect(after.paymentMethod.count["1h"]).toBe(100);
    expect(after.paymentMethod.links).toBe(101);
  });

  it("caps an entity at maxEventsPerEntity (counts saturate) and keeps prefix sums right", () => {
    const store = new MemoryVelocityStore(1000);
    for (let i = 0; i < 3000; i += 1) store.recordAndReadSync(event(`e${i}`, T0 + i, "hot", 1));
    const s = store.recordAndReadSync(event("last", T0 + 5000, "hot", 1));
    expect(s.paymentMethod.count["1h"]).toBe(1000);
    expect(s.paymentMethod.sumMinor["1h"]).toBe(1000);
  });

  it("counts distinct links: devices per account, accounts per device", () => {
    const store = new MemoryVelocityStore();
    const e = (id: string, user: string, device: string): VelocityEvent => ({
      id,
      at: T0,
      amountMinor: 1,
      keys: { user, paymentMethod: "c", device, ip: "i", emailDomain: "e" },
      links: { user: device, paymentMethod: user, device: user, ip: user, emailDomain: "" },
    });
    store.recordAndReadSync(e("1", "u1", "d1"));
    store.recordAndReadSync(e("2", "u1", "d2"));
    store.recordAndReadSync(e("3", "u2", "d2"));
    const s = store.recordAndReadSync(e("4", "u3", "d2"));
    expect(s.device.links).toBe(3);
    expect(store.recordAndReadSync(e("5", "u1", "d1")).user.links).toBe(2);
  });
});
