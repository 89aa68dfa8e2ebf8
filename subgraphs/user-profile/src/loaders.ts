import { defineLoader, type LoaderSpec } from "@aisle/kit";
import type { User } from "@aisle/world";
import type { UserProfileService } from "./user.service.ts";

export interface UserProfileLoaders {
  readonly userById: LoaderSpec<string, User>;
}

/** Loader specs over one service; each request instantiates its own loaders from them. */
export function createUserProfileLoaders(service: UserProfileService): UserProfileLoaders {
  return {
    userById: defineLoader("userProfile.userById", async (ids) => service.usersByIds(ids)),
  };
}
