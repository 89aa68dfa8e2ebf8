import { defineConfig } from "vitest/config";

// Test tiers by file name: `*.test.ts` are unit tests (no sockets, no services),
// `*.int.ts` are integration tests (real servers on free ports, real Redis when up).
const shared = {
  // One copy of graphql: vite would otherwise load the ESM and CJS builds side by side
  // ("Cannot use GraphQLSchema from another module or realm").
  alias: { graphql: "graphql/index.js" },
  conditions: ["aisle-source"],
};

export default defineConfig({
  resolve: { alias: shared.alias, conditions: shared.conditions },
  ssr: { resolve: { conditions: shared.conditions, externalConditions: shared.conditions } },
  test: {
    setupFiles: ["reflect-metadata"],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["**/src/**/*.test.ts", "scripts/**/*.test.ts"],
          exclude: ["**/node_modules/**"],
          // A guard against hangs, not a speed check: building a few demo worlds takes seconds on a busy box.
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["**/*.int.ts"],
          exclude: ["**/node_modules/**"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
