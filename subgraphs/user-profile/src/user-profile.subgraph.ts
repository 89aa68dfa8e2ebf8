import "reflect-metadata";
import {
  buildFederatedSchema,
  instanceContainer,
  parseEnv,
  referenceById,
  type SubgraphDefinition,
} from "@aisle/kit";
import { createBehaviour } from "@aisle/behaviour";
import { demoWorld } from "@aisle/world";
import { openAccounts } from "./account.repository.ts";
import { EventsResolver } from "./events.resolver.ts";
import { createUserProfileLoaders } from "./loaders.ts";
import { profileLoader, ProfileResolver } from "./profile.resolver.ts";
import { ProfileService } from "./profile.service.ts";
import { UserResolver } from "./user.resolver.ts";
import { UserProfileService } from "./user.service.ts";
import { accountEnvShape } from "./user-profile.config.ts";

/**
 * The behaviour pipeline this subgraph runs lives in the platform package `@aisle/behaviour`; re-exported for
 * the scripts, tests and bench that reach it through user-profile. New code imports `@aisle/behaviour`.
 */

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
    const config = parseEnv(accountEnvShape, env);
    const accounts = await openAccounts(
      {
        databaseUrl: config.DATABASE_URL,
        databaseSchema: config.DATABASE_SCHEMA,
        dataDir: config.USER_PROFILE_DATA_DIR,
      },
      world.users,
      log,
    );
    const service = new UserProfileService(accounts.users, undefined, accounts.repository, accounts.history);
    const loaders = createUserProfileLoaders(service);
    // Behaviour events, the feature updater and the profile fields derived from them.
    let behaviour: ReturnType<typeof createBehaviour>;
    try {
      behaviour = createBehaviour(env, world, log);
    } catch (error) {
      await accounts.db.close();
      throw error;
    }
    userProfileRuntime.behaviour = behaviour;
    try {
      const schema = await buildFederatedSchema({
        resolvers: [UserResolver, ProfileResolver, EventsResolver],
        container: instanceContainer([
          new UserResolver(service, loaders),
          new ProfileResolver(profileLoader(behaviour.activity, new ProfileService(world))),
          new EventsResolver(behaviour.events),
        ]),
        references: { User: referenceById(loaders.userById) },
      });
      log.info(
        { users: service.userCount, events: behaviour.stream.kind, database: accounts.db.kind },
        "user profiles loaded",
      );
      return {
        schema,
        readiness: behaviour.readiness,
        close: async () => {
          await Promise.allSettled([behaviour.close(), accounts.db.close()]);
        },
      };
    } catch (error) {
      await Promise.allSettled([behaviour.close(), accounts.db.close()]);
      throw error;
    }
  },
};
