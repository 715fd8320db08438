// @ts-check
// A plain .js file: ESLint loads a TypeScript config only through an extra package (jiti) or an unstable flag.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  // node_modules is ignored already; these are the other outputs .gitignore lists.
  { ignores: ['web/dist/', 'reports/', 'coverage/', '.tmp/', '.stryker-tmp/'] },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      // Each file is checked with the nearest tsconfig.json: the root one (Node, no DOM), web/ (the
      // browser) or test/browser/ (both). This file is in none of them.
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js', 'stryker.config.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    rules: {
      // The strict preset's settings, except that numbers (the bench's bread and butter) and a missing value
      // (an `undefined` in an error message says what was missing) may be interpolated; objects still may not.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        {
          allowNumber: true,
          allowNullish: true,
          allowAny: false,
          allowBoolean: false,
          allowNever: false,
          allowRegExp: false,
          allow: [
            { from: 'lib', name: ['Error', 'URL', 'URLSearchParams'] },
            // Node's URL and URLSearchParams, where the DOM library does not declare them.
            { from: 'package', package: 'url', name: ['URL', 'URLSearchParams'] },
          ],
        },
      ],
      // With noUncheckedIndexedAccess every indexed read may be undefined; `!` marks the reads whose index
      // is in range by construction (a loop bound, a length just checked), where a runtime check could never fail.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // A `default` branch is a decision about the other cases; a switch over a plain string needs one.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: true }],
      // `while (running)` loops on a flag another task clears; TypeScript cannot see that and calls it constant.
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: 'always' }],
      // Fastify plugins, hooks and handlers are async functions by contract (a Promise is how they say they are
      // done); one with nothing to await is still written async rather than given a callback or Promise.resolve().
      '@typescript-eslint/require-await': 'off',
      // A `let` read by a closure made before its one assignment (a timer, a client the callbacks check
      // against) cannot be a const; the rule would otherwise ask for it.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // `() => doSomething()` as a callback is the common shorthand, not a confusing use of a void value.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
    },
  },
);
