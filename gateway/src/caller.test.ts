import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { bearerTokenOf, clientIpOf, stripSpoofableHeaders } from "./caller.ts";

const request = (headers: Record<string, string>, remoteAddress = "10.0.0.5") =>
  ({ headers, socket: { remoteAddress } }) as unknown as IncomingMessage;

describe("caller helpers", () => {
  it("strips every identity header a client could forge and keeps the rest", () => {
    const headers: Record<string, string> = {
      "x-user-id": "1",
      "x-aisle-identity": "v1.a.b",
      "x-aisle-user-id": "1",
      "x-aisle-scopes": "service:ops",
      "x-forwarded-user": "1",
      authorization: "Bearer t",
      "x-request-id": "r",
    };
    stripSpoofableHeaders(headers);
    expect(headers).toEqual({ authorization: "Bearer t", "x-request-id": "r" });
  });

  it("reads bearer tokens and calls every other Authorization shape malformed", () => {
    expect(bearerTokenOf(undefined)).toBeUndefined();
    expect(bearerTokenOf("Bearer a.b.c")).toBe("a.b.c");
    expect(bearerTokenOf("bearer a.b.c")).toBe("a.b.c");
    for (const header of ["", "Bearer", "Bearer ", "Basic abc", "Bearer a b", "a.b.c"]) {
      expect(bearerTokenOf(header)).toBe("malformed");
    }
  });

  it("keys anonymous callers by socket address unless proxies are trusted", () => {
    const req = request({ "x-forwarded-for": "6.6.6.6, 203.0.113.7, 10.0.0.1" });
    expect(clientIpOf(req, 0)).toBe("10.0.0.5");
    expect(clientIpOf(req, 1)).toBe("10.0.0.1");
    expect(clientIpOf(req, 2)).toBe("203.0.113.7");
    // A client-supplied left-most entry is used only when there are fewer hops than trusted proxies.
    expect(clientIpOf(request({}), 1)).toBe("10.0.0.5");
  });
});
