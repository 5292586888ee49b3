// The linter: typescript-eslint's recommended rules, without type information (fast: it runs in CI beside tsc).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "policies/node_modules/", "dist/", ".cache/", "backups/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: "readonly",
        process: "readonly",
        __dirname: "readonly",
        require: "readonly",
        module: "writable",
        Buffer: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        URL: "readonly",
        fetch: "readonly",
        AbortController: "readonly",
        AbortSignal: "readonly",
      },
    },
    rules: {
      // `_`-prefixed names are deliberately unused (a parameter an interface requires).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  {
    // Tests read engine events, Docker's JSON and provider state, whose shapes they do not own.
    // So does the offline pack (ops/offline-pack): the mock monitor's protobuf requests and the engine's shapes.
    files: ["test/**/*.ts", "services/**/test/**/*.ts", "bench/**/*.ts", "ops/offline-pack/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-non-null-assertion": "off" },
  },
);
