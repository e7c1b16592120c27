// The mutation gate on the security core (`npm run test:mutation`; CONTRIBUTING.md, "Mutation testing").
// Stryker mutates the files of `mutate` in a sandbox copy and runs, for each mutant, the test files that
// reached it (coverage per test file): the tests that import src/ through tsx, so the mutant runs in the test's
// own process. The sandbox builds its own test bundles from the mutated src/ (buildCommand), so the tests that
// also start the bundled agent run the same code, the active mutant included (Stryker passes it in the
// environment, which the agent inherits); a mutant only a child process reaches shows as "no coverage".

/**
 * Mutants no test can kill, because they do not change what the code does: the file, the exact source text of
 * the smallest expression or statement that holds them, and why (stryker-equivalent.mjs ignores them; an
 * entry that matches no code fails the run). Anything else that survives is a missing test.
 */
export const EQUIVALENT_MUTANTS = [
  {
    file: 'src/oauth/revoke.ts',
    code: 'response.status >= 200',
    why: "no HTTP/1.1 answer has a final status under 200 (node's client takes 1xx as interim, 101 as an upgrade)"
  },
  {
    file: 'src/run-post.ts',
    code: '!deps.core.getState(STATE.tokenAgentDir)',
    why: 'stopTokenAgent returns no rows itself when the state names no agent: this only spares loading its modules'
  },
  {
    file: 'src/share/seal.ts',
    code: '{ authTagLength: TAG_BYTES }',
    why: "16 bytes is node:crypto's AES-GCM tag length anyway, and unseal refuses a tag of any other length first"
  },
  {
    file: 'src/share/seal.ts',
    code: "typeof part === 'string'",
    why: "the one string part is SHARE_FORMAT, and a string's toString('base64url') ignores its argument"
  },
  {
    file: 'src/share/seal.ts',
    code: 'parts.slice(1)',
    why: 'the part it leaves out is SHARE_FORMAT ("v2"), which the base64url pattern accepts as well'
  },
  {
    file: 'src/share/seal.ts',
    code: '{\n    return undefined\n  }',
    why: 'without it, a payload that is not JSON leaves value undefined, which the next line refuses the same way'
  },
  {
    file: 'src/agent/stop-request.ts',
    code: 'return true',
    after: "unverified('a line of its answer is not JSON')",
    why: 'the answer is refused already (its promise settled, its connection destroyed): reading on through the rest of the chunk changes nothing'
  },
  {
    file: 'src/agent/stop-request.ts',
    code: 'return true',
    after: "unverified('it refused the stop')",
    why: 'the answer is refused already (its promise settled, its connection destroyed): reading on through the rest of the chunk changes nothing'
  },
  {
    file: 'src/agent/stop-request.ts',
    code: 'return true',
    after: "unverified('a line of its answer is not a token record')",
    why: 'the answer is refused already (its promise settled, its connection destroyed): reading on through the rest of the chunk changes nothing'
  },
  {
    file: 'src/agent/stop-request.ts',
    code: 'value !== null',
    why: 'record(null) would return null, which every caller takes as no record (?. and !r) all the same'
  },
  {
    file: 'src/agent/stop-request.ts',
    code: "'AgentUnverified'",
    why: 'nothing reads the name: callers test instanceof, and what is printed is the message'
  },
  {
    file: 'src/scan/answers.ts',
    code: '{\n    value = undefined\n  }',
    why: 'value is undefined already when JSON.parse throws: the catch only says so'
  },
  {
    file: 'src/scan/answers.ts',
    code: '{\n      url = undefined\n    }',
    why: 'url is undefined already when new URL throws: the catch only says so'
  },
  {
    file: 'src/scan/answers.ts',
    code: "''",
    after: "typeof value === 'string' ? value :",
    why: 'any other text a non-string value could become is no ULID or URL either: refused the same, showing the value'
  },
  {
    file: 'src/scan/answers.ts',
    code: '/^https?:$/',
    why: 'without $ it is the same test (a protocol ends at its only colon); without ^ the test "xhttp:" kills it'
  },
  {
    file: 'src/scan/answers.ts',
    code: '/^https:$/',
    why: 'without $ it is the same test (a protocol ends at its only colon); without ^ the test "xhttps:" kills it'
  },
  {
    file: 'src/scan/answers.ts',
    code: '[]',
    after: '(body.scans as unknown[]) :',
    why: 'whatever a missing scans list holds instead has no id field: scanId is refused the same'
  }
]

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  mutate: [
    'src/agent/**/*.ts',
    'src/share/seal.ts',
    'src/common/server-text.ts',
    'src/runner/masking.ts',
    'src/oauth/revoke.ts',
    'src/run-post.ts',
    // The scan step's checks of what Binarly's API answers (ids, the upload URL, counts, pages).
    'src/scan/answers.ts'
  ],
  testRunner: 'tap',
  tap: {
    testFiles: [
      '__tests__/unit/agent/*.test.ts',
      '__tests__/unit/share/seal.test.ts',
      '__tests__/unit/common/server-text.test.ts',
      '__tests__/unit/runner/masking.test.ts',
      '__tests__/unit/oauth/revoke.test.ts',
      '__tests__/e2e/run-post.test.ts',
      '__tests__/e2e/token-agent.test.ts',
      '__tests__/unit/scan/answers.test.ts'
    ],
    nodeArgs: ['--import', 'tsx', '-r', '{{hookFile}}', '--test-reporter=tap', '{{testFile}}']
  },
  buildCommand: 'node scripts/mutation-build.mjs',
  plugins: ['@stryker-mutator/*', './stryker-equivalent.mjs'],
  ignorers: ['equivalent'],
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 20_000,
  timeoutFactor: 2,
  ignorePatterns: ['.cache', 'coverage', 'reports', '__tests__/keycloak'],
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // The aim is 90% on every file. The gate breaks under 75%, below what these files score now (about 83%,
  // up from 74% before issue 28's tests): raise it as survivors are killed, never lower it. Per file, measured:
  // src/scan/answers.ts 100%, src/agent/stop-request.ts 98.1%, src/agent/stop.ts at least 80.2% (CONTRIBUTING.md).
  thresholds: { high: 90, low: 80, break: 75 }
}
