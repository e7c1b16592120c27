// One ESLint config for the whole repository: recommended JavaScript rules everywhere, typescript-eslint's
// strict type-aware rules on the TypeScript sources and tests, plain rules on the few .js/.mjs scripts.
import js from '@eslint/js'
import { defineConfig, globalIgnores } from 'eslint/config'
import tseslint from 'typescript-eslint'

/** Node's globals that the .js/.mjs scripts use (TypeScript files get theirs from @types/node). */
const nodeGlobals = Object.fromEntries(
  `process console Buffer URL URLSearchParams fetch AbortController AbortSignal TextEncoder TextDecoder setTimeout
  clearTimeout setInterval clearInterval setImmediate`
    .split(/\s+/)
    .map(name => [name, 'readonly'])
)

export default defineConfig(
  globalIgnores(['dist/', 'coverage/', 'node_modules/', '.cache/', '.stryker-tmp/', 'reports/']),
  js.configs.recommended,
  {
    // Inputs and server answers are checked for control characters on purpose.
    rules: { 'no-control-regex': 'off' }
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: {
        // src/ is in the root project; tests and scripts/*.ts are in the __tests__ one.
        project: ['./tsconfig.json', './__tests__/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname
      }
    },
    rules: {
      // Template literals with numbers are the norm in messages ("HTTP ${status}").
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // `line => core.info(line)` and `return reject(error)` are the house idioms for callbacks and early exits.
      '@typescript-eslint/no-confusing-void-expression': 'off',
      // node:test's test() and describe() return promises that the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }]
        }
      ]
    }
  },
  {
    // Fakes and test servers implement promise-returning interfaces without having anything to await.
    files: ['__tests__/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off' }
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: nodeGlobals }
  }
)
