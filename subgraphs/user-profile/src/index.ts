import "reflect-metadata";

export { accountEnvShape } from "./user-profile.config.ts";
export { userProfileRuntime, userProfileSubgraph } from "./user-profile.subgraph.ts";
export { UserProfileService } from "./user.service.ts";
export { AccountStatus, UserType, UserLocationType } from "./user.type.ts";
export { createUserProfileLoaders, type UserProfileLoaders } from "./loaders.ts";
export { ProfileService, type DerivedProfile } from "./profile.service.ts";
export * from "@aisle/behaviour";
