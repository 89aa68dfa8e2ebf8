import { describe, expect, it } from "vitest";
import { graphql, type GraphQLSchema } from "graphql";
import { Arg, Authorized, Field, ID, Mutation, ObjectType, Query, Resolver } from "type-graphql";
import { isServiceScope, Rule, Scope } from "./auth.ts";
import { RequestContext } from "./context.ts";
import { buildFederatedSchema } from "./federation.ts";
import { ANONYMOUS, type Identity } from "./identity.ts";
import { createLogger } from "./logger.ts";

@ObjectType("AuthTestNote", { description: "A note owned by one user." })
class NoteType {
  @Field(() => ID, { description: "Id." })
  id!: string;

  @Field(() => String, { description: "Owner's user id." })
  ownerId!: string;

  @Authorized(Rule.owner(), Rule.scope(Scope.ops))
  @Field(() => String, { nullable: true, description: "Owner or ops only." })
  secret!: string;

  @Authorized()
  @Field(() => String, { nullable: true, description: "Any signed-in caller." })
  membersOnly!: string;
}

const notes: NoteType[] = [
  { id: "n1", ownerId: "a", secret: "a's secret", membersOnly: "hello" },
  { id: "n2", ownerId: "b", secret: "b's secret", membersOnly: "hello" },
];

@Resolver(() => NoteType)
class NoteResolver {
  @Query(() => [NoteType], { description: "All notes." })
  authTestNotes(): NoteType[] {
    return notes;
  }

  @Authorized(Rule.scope(Scope.ops))
  @Mutation(() => Boolean, { nullable: true, description: "Ops only." })
  authTestWipe(@Arg("id", () => ID, { description: "Note id." }) id: string): boolean {
    return id.length > 0;
  }
}

const log = createLogger("test", "silent");
const schema: Promise<GraphQLSchema> = buildFederatedSchema({ resolvers: [NoteResolver] });

async function run(identity: Identity, source: string) {
  const result = await graphql({
    schema: await schema,
    source,
    contextValue: new RequestContext("r1", identity, log),
  });
  return {
    data: JSON.parse(JSON.stringify(result.data ?? null)) as Record<string, unknown> | null,
    errors: (result.errors ?? []).map((e) => ({ path: e.path?.join("."), code: e.extensions["code"] })),
  };
}

const NOTES = "{ authTestNotes { id secret membersOnly } }";

describe("aisleAuthChecker through GraphQL", () => {
  it("lets owners read their own private field and nobody else's (FORBIDDEN, partial data)", async () => {
    const result = await run({ userId: "a", scopes: [Scope.shopper] }, NOTES);
    expect(result.data).toEqual({
      authTestNotes: [
        { id: "n1", secret: "a's secret", membersOnly: "hello" },
        { id: "n2", secret: null, membersOnly: "hello" },
      ],
    });
    expect(result.errors).toEqual([{ path: "authTestNotes.1.secret", code: "FORBIDDEN" }]);
  });

  it("gives an anonymous caller UNAUTHENTICATED on every private field, public fields still resolve", async () => {
    const result = await run(ANONYMOUS, NOTES);
    expect(result.data).toEqual({
      authTestNotes: [
        { id: "n1", secret: null, membersOnly: null },
        { id: "n2", secret: null, membersOnly: null },
      ],
    });
    expect(result.errors.map((e) => e.code)).toEqual(Array(4).fill("UNAUTHENTICATED"));
  });

  it("grants a scope rule to a service without a user id, and refuses it the authenticated rule", async () => {
    const result = await run({ userId: null, scopes: [Scope.ops] }, NOTES);
    expect(result.data).toEqual({
      authTestNotes: [
        { id: "n1", secret: "a's secret", membersOnly: null },
        { id: "n2", secret: "b's secret", membersOnly: null },
      ],
    });
    expect(result.errors.map((e) => e.code)).toEqual(["FORBIDDEN", "FORBIDDEN"]);
  });

  it("refuses a scope-only mutation to a shopper and runs it for ops", async () => {
    const mutation = 'mutation { authTestWipe(id: "n1") }';
    const shopper = await run({ userId: "a", scopes: [Scope.shopper] }, mutation);
    expect(shopper).toEqual({
      data: { authTestWipe: null },
      errors: [{ path: "authTestWipe", code: "FORBIDDEN" }],
    });
    const checkout = await run({ userId: null, scopes: [Scope.checkout] }, mutation);
    expect(checkout.errors).toEqual([{ path: "authTestWipe", code: "FORBIDDEN" }]);
    expect(await run({ userId: null, scopes: [Scope.ops] }, mutation)).toEqual({
      data: { authTestWipe: true },
      errors: [],
    });
  });

  it("does not take a user id that merely looks like a scope as one", async () => {
    const result = await run({ userId: "service:ops", scopes: [] }, "{ authTestNotes { secret } }");
    expect(result.errors.map((e) => e.code)).toEqual(["FORBIDDEN", "FORBIDDEN"]);
  });
});

describe("schema checks", () => {
  it("refuses to build a schema with a non-null @Authorized field", async () => {
    @ObjectType("AuthTestBad", { description: "Bad." })
    class BadType {
      @Authorized(Rule.scope(Scope.ops))
      @Field(() => String, { description: "Non-null but private." })
      hidden!: string;
    }
    @Resolver(() => BadType)
    class BadResolver {
      @Query(() => BadType, { nullable: true, description: "Bad." })
      authTestBad(): BadType | null {
        return null;
      }
    }
    await expect(buildFederatedSchema({ resolvers: [BadResolver] })).rejects.toThrow(
      /AuthTestBad\.hidden is @Authorized and must be nullable/,
    );
  });

  it("checks only the classes this schema uses, not another subgraph's class of the same name", async () => {
    @ObjectType("AuthTestShared", { description: "Another subgraph's view of the type." })
    class OtherSubgraphShared {
      @Authorized(Rule.scope(Scope.ops))
      @Field(() => String, { nullable: true, description: "Private there." })
      label!: string;
    }
    @ObjectType("AuthTestShared", { description: "This subgraph's view of the type." })
    class OurShared {
      @Field(() => String, { description: "Public and non-null here." })
      label!: string;
    }
    @Resolver(() => OurShared)
    class SharedResolver {
      @Query(() => OurShared, { nullable: true, description: "Shared." })
      authTestShared(): OurShared | null {
        return { label: "x" };
      }
    }
    expect(OtherSubgraphShared.name).toBe("OtherSubgraphShared");
    const schema = await buildFederatedSchema({ resolvers: [SharedResolver] });
    const result = await graphql({
      schema,
      source: "{ authTestShared { label } }",
      contextValue: new RequestContext("r", ANONYMOUS, log),
    });
    expect(result).toEqual({ data: { authTestShared: { label: "x" } } });
  });

  it("refuses unknown roles", async () => {
    @Resolver()
    class TypoResolver {
      @Authorized("admin")
      @Query(() => Boolean, { nullable: true, description: "Typo." })
      authTestTypo(): boolean {
        return true;
      }
    }
    await expect(buildFederatedSchema({ resolvers: [TypoResolver] })).rejects.toThrow(
      /Unknown @Authorized role "admin"/,
    );
  });

  it("classifies service scopes", () => {
    expect(isServiceScope(Scope.checkout)).toBe(true);
    expect(isServiceScope(Scope.shopper)).toBe(false);
  });
});
