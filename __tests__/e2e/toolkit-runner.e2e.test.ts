/**
 * `run()` of src/main.ts and src/post.ts called with no runner, as @github/local-action calls it: the steps
 * then write through @actions/core itself (which local-action stands in for), and do what the bundles do.
 */
import assert from 'node:assert/strict'
import { pathToFileURL } from 'node:url'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { CLIENTS, startOidcServer, type OidcServer } from '../support/oidc-server.ts'
import { ROOT, runStep } from '../support/runner.ts'

let server: OidcServer
before(async () => {
  server = await startOidcServer()
})
after(() => server.close())

/** Node's arguments that import src/<step>.ts with tsx and call its run() with no argument. */
const viaSource = (step: 'main' | 'post'): string[] => [
  '--import',
  'tsx',
  '--input-type=module',
  '-e',
  `const { run } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'src', `${step}.ts`)).href)}); await run()`
]

test('main step through @actions/core: masked token, outputs, state and summary', async () => {
  const result = await runStep(
    'main',
    { 'auth-url': server.tokenEndpoint, 'client-id': CLIENTS.post.id, 'client-secret': CLIENTS.post.secret },
    { argv: viaSource('main') }
  )
  assert.equal(result.code, 0, result.stdout + result.stderr)
  const token = result.outputs['access-token'] ?? ''
  assert.ok(token)
  assert.ok(result.masks.includes(token))
  assert.equal(result.state.token, token)
  assert.match(result.summary, /### Binarly access token/)
})

test('main step through @actions/core without a job summary file: the token all the same', async () => {
  const result = await runStep(
    'main',
    { 'auth-url': server.tokenEndpoint, 'client-id': CLIENTS.post.id, 'client-secret': CLIENTS.post.secret },
    { argv: viaSource('main'), env: { GITHUB_STEP_SUMMARY: undefined } }
  )
  assert.equal(result.code, 0, result.stdout + result.stderr)
  assert.ok(result.outputs['access-token'])
  assert.equal(result.summary, '')
})

test('post step through @actions/core: a shared token is masked and not revoked', async () => {
  const result = await runStep(
    'post',
    { 'auth-url': server.tokenEndpoint, 'client-id': CLIENTS.post.id, 'client-secret': CLIENTS.post.secret },
    { argv: viaSource('post'), state: { token: 'a-shared-token', shared: 'true' } }
  )
  assert.equal(result.code, 0, result.stdout + result.stderr)
  assert.deepEqual(result.masks, ['a-shared-token'])
  assert.match(result.stdout, /::debug::Revocation skipped: the token is shared/)
})

test('a failure goes through @actions/core too: the step fails with the message', async () => {
  const result = await runStep(
    'main',
    { 'auth-url': server.tokenEndpoint, 'client-id': CLIENTS.post.id },
    { argv: viaSource('main') }
  )
  assert.equal(result.code, 1)
  assert.match(result.errors.join('\n'), /^binarly-m2m-auth: client-secret: is empty/)
})
