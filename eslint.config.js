// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

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
  // Tool config files must default-export.
  { files: ["*.config.ts", "*.config.js"], rules: { "no-restricted-syntax": "off" } },
);
