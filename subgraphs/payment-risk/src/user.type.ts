import { Directive, Field, ID, ObjectType } from "type-graphql";

/** The User entity (owned by user-profile), extended here by its key with the risk profile. */
@Directive('@key(fields: "id")')
@ObjectType("User", { description: "An Aisle account." })
export class UserRef {
  @Field(() => ID, { description: "User id." })
  id!: string;
}
