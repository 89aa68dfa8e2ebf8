import { describe, expect, it } from "vitest";
import { GraphQLError } from "graphql";
import { createLogger, RequestContext } from "@aisle/kit";
import { generateWorld } from "@aisle/world";
import { UserProfileService } from "./user.service.ts";
import { AccountStatus } from "./user.type.ts";

const users = generateWorld({ userCount: 3, productCount: 0 }).users;
const ops = new RequestContext(
  "r1",
  { userId: "svc-ops", scopes: ["service:ops"] },
  createLogger("t", "silent"),
);

async function codeOf(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error instanceof GraphQLError ? error.extensions["code"] : error;
  }
  return undefined;
}

describe("UserProfileService", () => {
  it("looks users up in input order with null for unknown ids", () => {
    const service = new UserProfileService(users);
    expect(service.usersByIds(["2", "nope", "1"]).map((u) => u?.id ?? null)).toEqual(["2", null, "1"]);
  });

  it("records account-status changes with who and when, and validates input", async () => {
    const service = new UserProfileService(users, () => new Date("2026-11-24T10:00:00Z"));
    expect(service.accountStatus("1")).toBe(AccountStatus.ACTIVE);
    await service.setAccountStatus(ops, "1", AccountStatus.SUSPENDED, "  chargeback  ");
    expect(service.accountStatus("1")).toBe(AccountStatus.SUSPENDED);
    expect(service.accountStatus("2")).toBe(AccountStatus.ACTIVE);
    expect(service.statusHistory("1")).toEqual([
      {
        userId: "1",
        status: "SUSPENDED",
        reason: "chargeback",
        by: "svc-ops",
        at: "2026-11-24T10:00:00.000Z",
      },
    ]);
    expect(await codeOf(() => service.setAccountStatus(ops, "999", AccountStatus.ACTIVE, "x"))).toBe(
      "NOT_FOUND",
    );
    expect(await codeOf(() => service.setAccountStatus(ops, "1", AccountStatus.ACTIVE, " "))).toBe(
      "BAD_USER_INPUT",
    );
    expect(
      await codeOf(() => service.setAccountStatus(ops, "1", AccountStatus.ACTIVE, "x".repeat(501))),
    ).toBe("BAD_USER_INPUT");
  });
});
