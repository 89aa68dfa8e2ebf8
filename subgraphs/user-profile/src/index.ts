import "reflect-metadata";
import { buildFederatedSchema, instanceContainer, referenceById, type SubgraphDefinition } from "@aisle/kit";
import { demoWorld } from "@aisle/world";
import { createBehaviour } from "./behaviour.setup.ts";
import { EventsResolver } from "./events.resolver.ts";
import { createUserProfileLoaders } from "./loaders.ts";
import { ProfileResolver } from "./profile.resolver.ts";
import { UserResolver } from "./user.resolver.ts";
import { UserProfileService } from "./user.service.ts";

export { UserProfileService } from "./user.service.ts";
export { AccountStatus, OWNER_OR_SERVICE, UserType, UserLocationType } from "./user.type.ts";
export { createUserProfileLoaders, type UserProfileLoaders } from "./loaders.ts";
export * from "./activity.features.ts";
export * from "./activity.store.ts";
export * from "./event-stream.ts";
export * from "./feature-updater.ts";
export {
  EventsService,
  MAX_EVENTS_PER_CALL,
  type EventInput,
  type RecordEventsResult,
} from "./events.service.ts";
export { ProfileService, type DerivedProfile } from "./profile.service.ts";
export { behaviourEnvShape, createBehaviour, type Behaviour } from "./behaviour.setup.ts";

/** The behaviour part (events, feature updater) of the last user-profile subgraph created in this process (bench, tests). */
export const userProfileRuntime: { behaviour: ReturnType<typeof createBehaviour> | null } = {
  behaviour: null,
};

/**
 * The user-profile subgraph: the `User` entity with public and private fields. To grow it (segments, events),
 * add a `<name>.type.ts` / `<name>.resolver.ts` pair, a `@FieldResolver` on User in its own resolver class,
 * and list the resolver below.
 */
export const userProfileSubgraph: SubgraphDefinition = {
  name: "user-profile",
  defaultPort: 4002,
  async create({ env, log }) {
    const world = demoWorld();
    const service = new UserProfileService(world.users);
    const loaders = createUserProfileLoaders(service);
    // Behaviour events, the feature updater and the profile fields derived from them.
    const behaviour = createBehaviour(env, world, log);
    userProfileRuntime.behaviour = behaviour;
    try {
      const schema = await buildFederatedSchema({
        resolvers: [UserResolver, ProfileResolver, EventsResolver],
        container: instanceContainer([
          new UserResolver(service, loaders),
          new ProfileResolver(behaviour.profileLoader),
          new EventsResolver(behaviour.events),
        ]),
        references: { User: referenceById(loaders.userById) },
      });
      log.info({ users: service.userCount, events: behaviour.stream.kind }, "user profiles loaded");
      return { schema, readiness: behaviour.readiness, close: () => behaviour.close() };
    } catch (error) {
      await behaviour.close();
      throw error;
    }
  },
};
