import { describe, expect, it, vi } from "vitest";
import { withDeadline } from "./deadline.ts";

describe("withDeadline", () => {
  it("passes the value through when the promise settles in time", async () => {
    await expect(withDeadline(Promise.resolve(7), 1_000, () => new Error("late"))).resolves.toBe(7);
  });

  it("passes a rejection through, wrapping non-errors", async () => {
    await expect(
      withDeadline(Promise.reject(new Error("boom")), 1_000, () => new Error("late")),
    ).rejects.toThrow("boom");
    await expect(withDeadline(Promise.reject("plain"), 1_000, () => new Error("late"))).rejects.toThrow(
      "plain",
    );
  });

  it("rejects with the timeout error when the promise never settles", async () => {
    vi.useFakeTimers();
    try {
      const pending = withDeadline(new Promise(() => {}), 50, () => new RangeError("late"));
      vi.advanceTimersByTime(50);
      await expect(pending).rejects.toBeInstanceOf(RangeError);
    } finally {
      vi.useRealTimers();
    }
  });
});
