/**
 * What the common paths load (docs/cold-start.md): the Node built-in modules a step's process loaded by the
 * time it exits, as `process.moduleLoadList` lists them. Not a timing test: a module that loads on a path
 * that does not use it is the regression (undici brings node:http2, zlib and worker_threads; @actions/exec
 * brings child_process; @actions/core's file commands bring node:crypto).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { bundlePath } from '../support/bundles.ts'
import { CLIENTS, startOidcServer, type OidcServer } from '../support/oidc-server.ts'
import { runStep, type StepResult } from '../support/runner.ts'

/** Preloaded into the step's process: writes the built-ins it loaded when it exits. */
const PROBE = `data:text/javascript,${encodeURIComponent(
  "import { writeFileSync } from 'node:fs'; process.on('exit', () => writeFileSync(process.env.LOADED_MODULES, JSON.stringify(process.moduleLoadList)))"
)}`

/** Built-ins that only undici, @actions/exec or a TLS connection would load. */
const NEVER_ON_THE_COMMON_PATH = ['http2', 'zlib', 'worker_threads', 'child_process', 'https', 'tls']
/** And what a post step with nothing to revoke has no use for. (node:net it does load: Node makes a piped stdout, as the runner's is, a net.Socket.) */
const NEVER_WITHOUT_A_REQUEST = [...NEVER_ON_THE_COMMON_PATH, 'crypto', 'http']

let server: OidcServer
const dir = mkdtempSync(join(tmpdir(), 'cold-start-'))
before(async () => {
  server = await startOidcServer()
})
after(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

async function loaded(
  step: 'main' | 'post',
  inputs: Record<string, string>,
  state: Record<string, string> = {}
): Promise<{ result: StepResult; builtins: Set<string> }> {
  const file = join(dir, `${step}-${Date.now()}-${Math.random()}.json`)
  const result = await runStep(step, inputs, {
    argv: ['--import', PROBE, bundlePath(step)],
    env: { LOADED_MODULES: file },
    state
  })
  assert.equal(result.code, 0, result.stdout + result.stderr)
  const list = JSON.parse(readFileSync(file, 'utf8')) as string[]
  const builtins = new Set(list.filter(m => m.startsWith('NativeModule ')).map(m => m.slice('NativeModule '.length)))
  return { result, builtins }
}

const inputs = (
  client: { id: string; secret: string },
  extra: Record<string, string> = {}
): Record<string, string> => ({
  'auth-url': server.tokenEndpoint,
  'client-id': client.id,
  'client-secret': client.secret,
  ...extra
})

describe('the common paths load only what they use', () => {
  for (const [method, client] of [
    ['client_secret_post', CLIENTS.post],
    ['client_secret_basic', CLIENTS.basic]
  ] as const) {
    test(`main step, ${method}, no proxy, no CA, no share: no undici, no @actions/exec, no TLS for an http:// URL`, async () => {
      const { result, builtins } = await loaded('main', inputs(client, { 'auth-method': method }))
      assert.ok(result.outputs['access-token'])
      for (const name of NEVER_ON_THE_COMMON_PATH) assert.ok(!builtins.has(name), `the main step loaded node:${name}`)
      assert.ok(builtins.has('http'))
    })
  }

  test('post step with a shared token: no HTTP, no node:crypto', async () => {
    const { result, builtins } = await loaded('post', inputs(CLIENTS.post), { token: 'a-shared-token', shared: 'true' })
    assert.match(result.stdout, /Revocation skipped: the token is shared/)
    for (const name of NEVER_WITHOUT_A_REQUEST) {
      assert.ok(!builtins.has(name), `the post step loaded node:${name}`)
    }
  })

  test('post step with revoke: false: no HTTP, no node:crypto', async () => {
    const { result, builtins } = await loaded('post', inputs(CLIENTS.post, { revoke: 'false' }), {
      token: 'a-token',
      shared: 'false'
    })
    assert.match(result.stdout, /Revocation skipped: revoke is false/)
    for (const name of NEVER_WITHOUT_A_REQUEST) {
      assert.ok(!builtins.has(name), `the post step loaded node:${name}`)
    }
  })
})
