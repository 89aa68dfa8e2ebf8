import { Authorized, Directive, Field, Float, ID, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { OWNER_OR_SERVICE } from "@aisle/kit";

/** Whether a user may shop; ops suspends accounts (fraud, abuse) and reinstates them. */
export enum AccountStatus {
  ACTIVE = "ACTIVE",
  SUSPENDED = "SUSPENDED",
}

registerEnumType(AccountStatus, {
  name: "AccountStatus",
  description: "Whether a user account may shop.",
  valuesConfig: {
    ACTIVE: { description: "The account may sign in and order." },
    SUSPENDED: { description: "Ops suspended the account; orders are refused." },
  },
});

@ObjectType("UserLocation", { description: "Where a user lives, as given at sign-up." })
export class UserLocationType {
  @Field(() => String, { description: "City name, e.g. Denver." })
  city!: string;

  @Field(() => String, { description: "State or region code, e.g. CO." })
  region!: string;

  @Field(() => String, { description: "ISO 3166-1 alpha-2 country code." })
  country!: string;

  @Field(() => String, { description: "Postal code." })
  postalCode!: string;

  @Field(() => Float, { description: "Latitude in degrees (WGS 84)." })
  lat!: number;

  @Field(() => Float, { description: "Longitude in degrees (WGS 84)." })
  lon!: number;
}

@Directive('@key(fields: "id")')
@ObjectType("User", {
  description:
    "A shopper's profile. `id` and `displayName` are public; the other fields are readable only by the user " +
    "themself or by a back-end service (scopes service:ops, service:checkout): anyone else gets the field as " +
    "null with FORBIDDEN (signed in) or UNAUTHENTICATED (anonymous).",
})
export class UserType {
  @Field(() => ID, { description: "Stable user id, e.g. 42." })
  id!: string;

  @Field(() => String, { description: "Name shown on reviews and in the header." })
  displayName!: string;

  @Authorized(OWNER_OR_SERVICE)
  @Field(() => String, { nullable: true, description: "E-mail address. Private: owner or service only." })
  email!: string;

  @Authorized(OWNER_OR_SERVICE)
  @Field(() => UserLocationType, {
    nullable: true,
    description: "Home location given at sign-up. Private: owner or service only.",
  })
  location!: UserLocationType;

  @Authorized(OWNER_OR_SERVICE)
  @Field(() => DateTimeISOResolver, {
    nullable: true,
    description: "When the user signed up. Private: owner or service only.",
  })
  signupAt!: Date;
}
