// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * Subgraphs never import one another: what two of them share is a platform package (kit, ml, behaviour, world),
 * which anyone may import; data of another subgraph comes through the gateway (entities, @requires) or events.
 */
const SUBGRAPHS = [
  "catalog",
  "user-profile",
  "logistics",
  "recommendation",
  "search",
  "payment-risk",
  "pricing",
];
const PLATFORM = ["kit", "ml", "behaviour", "world"];
const importsOf = (names) =>
  names.flatMap((name) => [
    `@aisle/${name}`,
    `@aisle/${name}/*`,
    `**/subgraphs/${name}/**`,
    `../../${name}/**`,
  ]);
const subgraphBoundaries = [...SUBGRAPHS, ...PLATFORM].map((folder) => ({
  files: [`subgraphs/${folder}/**/*.ts`],
  rules: {
    "no-restricted-imports": [
      "error",
      {
        patterns: [
          {
            group: importsOf(SUBGRAPHS.filter((name) => name !== folder)),
            message: PLATFORM.includes(folder)
              ? "A platform package never imports a subgraph."
              : "A subgraph never imports another subgraph: move what both need into a platform package " +
                "(kit, ml, behaviour, world) or reach the other's data through the gateway.",
          },
        ],
      },
    ],
  },
}));

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "**/dist/**",
      "operations/__generated__/**",
      "bench/results/**",
      "models/**/*.py",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: {
      globals: { process: "readonly", console: "readonly", Buffer: "readonly", URL: "readonly" },
    },
    rules: {
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Decorated type-graphql classes are instantiated by the framework and fill their fields reflectively.
      "@typescript-eslint/no-extraneous-class": "off",
      "no-restricted-syntax": [
        "error",
        { selector: "ExportDefaultDeclaration", message: "Use named exports." },
        {
          selector: "Decorator > CallExpression[callee.name=/^(Field|Arg)$/][arguments.length=0]",
          message: "Give type-graphql decorators an explicit type function: tsx emits no decorator metadata.",
        },
      ],
    },
  },
  // Tests and benchmarks index into fixtures they just built; a failed `!` there fails the test, which is the point.
  {
    files: ["**/*.test.ts", "**/*.int.ts", "tests/**/*.ts", "bench/**/*.ts"],
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/no-dynamic-delete": "off",
    },
  },
  ...subgraphBoundaries,
  // Tool config files must default-export.
  { files: ["*.config.ts", "*.config.js"], rules: { "no-restricted-syntax": "off" } },
);
