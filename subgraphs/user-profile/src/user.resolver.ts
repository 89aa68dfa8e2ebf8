import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { codedError, ErrorCode, OWNER_OR_SERVICE, Rule, Scope, type RequestContext } from "@aisle/kit";
import type { User } from "@aisle/world";
import type { UserProfileLoaders } from "./loaders.ts";
import type { UserProfileService } from "./user.service.ts";
import { AccountStatus, UserType } from "./user.type.ts";

@Resolver(() => UserType)
export class UserResolver {
  constructor(
    private readonly service: UserProfileService,
    private readonly loaders: UserProfileLoaders,
  ) {}

  @Query(() => UserType, {
    nullable: true,
    description: "The signed-in caller's own profile; null for an anonymous caller.",
  })
  async me(@Ctx() ctx: RequestContext): Promise<User | null> {
    const id = this.service.callerId(ctx);
    if (id === null) return null;
    const user = await ctx.loaders.get(this.loaders.userById).load(id);
    // A shopper's valid token whose account is gone (deleted after the token was issued): say so rather than
    // answer as if the caller were anonymous. Services and partners have no profile: null.
    if (user === null && ctx.hasScope(Scope.shopper))
      throw codedError(ErrorCode.UNAUTHENTICATED, "The signed-in account does not exist");
    return user;
  }

  @Query(() => UserType, {
    nullable: true,
    description: "A user by id; null when unknown. Private fields follow the rules on User.",
  })
  user(
    @Arg("id", () => ID, { description: "A user id, e.g. 42." }) id: string,
    @Ctx() ctx: RequestContext,
  ): Promise<User | null> {
    return ctx.loaders.get(this.loaders.userById).load(id);
  }

  @Authorized(OWNER_OR_SERVICE)
  @FieldResolver(() => AccountStatus, {
    nullable: true,
    description: "Whether the account may shop. Private: owner or service only.",
  })
  accountStatus(@Root() user: User): AccountStatus {
    return this.service.accountStatus(user.id);
  }

  @Authorized(Rule.scope(Scope.ops))
  @Mutation(() => UserType, {
    nullable: true,
    description:
      "Suspends or reinstates an account (scope service:ops only; others get FORBIDDEN). Stored in the " +
      "database with an audit row before it is answered: a restart keeps it. Unknown users give NOT_FOUND; an empty or over-long reason BAD_USER_INPUT.",
  })
  setAccountStatus(
    @Arg("userId", () => ID, { description: "The user to change." }) userId: string,
    @Arg("status", () => AccountStatus, { description: "The new status." }) status: AccountStatus,
    @Arg("reason", () => String, { description: "Why, for the audit trail (1 to 500 characters)." })
    reason: string,
    @Ctx() ctx: RequestContext,
  ): Promise<User> {
    return this.service.setAccountStatus(ctx, userId, status, reason);
  }
}
