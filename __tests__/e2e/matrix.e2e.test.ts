/**
 * One token for a whole matrix: a `share: true` job, then 32 matrix jobs started at once with its
 * shared-token, against a real OpenID provider that counts the token requests. And every way a shared-token
 * can be unusable falls back, with a warning, to a fresh exchange.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { deriveShareKey, seal } from '../../src/share/seal.ts'
import { assertMaskedFirst, assertNowhere, formsOf } from '../support/leaks.ts'
import { runMatrix } from '../support/matrix.ts'
import { CLIENTS, startOidcServer, type OidcServer } from '../support/oidc-server.ts'
import { runStep, type StepResult } from '../support/runner.ts'

const N = 32
const PASSPHRASE = 'matrix-passphrase-0123456789abcdef'

let server: OidcServer
before(async () => {
  server = await startOidcServer()
})
after(() => server.close())

const inputsFor = (s: OidcServer): Record<string, string> => ({
  'auth-url': s.tokenEndpoint,
  'client-id': CLIENTS.post.id,
  'client-secret': CLIENTS.post.secret,
  scope: 'scan:read'
})

/** The sharing job: a fresh token, and its sealed form that holds no piece of it. */
async function shareJob(
  s: OidcServer,
  extra: Record<string, string> = {}
): Promise<{ token: string; sealed: string; result: StepResult }> {
  const result = await runStep('main', { ...inputsFor(s), share: 'true', ...extra })
  assert.equal(result.code, 0, result.stdout + result.stderr)
  const token = result.outputs['access-token'] ?? ''
  const sealed = result.outputs['shared-token'] ?? ''
  assert.match(sealed, /^v2\.[\w-]+\.[\w-]+\.[\w-]+$/)
  for (const form of formsOf(token)) assert.ok(!sealed.includes(form), 'the shared-token holds a form of the token')
  assert.equal(result.state.shared, 'true')
  assertMaskedFirst(result, token)
  assertNowhere(result, [CLIENTS.post.secret, PASSPHRASE])
  return { token, sealed, result }
}

describe('a 32-job matrix', () => {
  test('with sharing: one token request for all 33 jobs, the same valid token everywhere, never unmasked', async () => {
    const sent = server.tokenRequests().length
    const auth = await shareJob(server)
    const jobs = await runMatrix(N, { ...inputsFor(server), 'shared-token': auth.sealed })
    assert.equal(server.tokenRequests().length - sent, 1)
    for (const { result } of jobs) {
      assert.equal(result.code, 0, result.stdout + result.stderr)
      assert.deepEqual(result.warnings, [])
      assert.equal(result.env.BINARLY_ACCESS_TOKEN, auth.token)
      for (const name of ['access-token', 'token-type', 'scope', 'expires-at']) {
        assert.equal(result.outputs[name], auth.result.outputs[name], name)
      }
      const left = Number(result.outputs['expires-in'])
      assert.ok(left > 1700 && left <= 1800, `expires-in ${left} is what is left of 1800 s`)
      assert.equal(result.state.shared, 'true')
      assert.match(result.summary, /reusing the shared-token of this run/)
      assertMaskedFirst(result, auth.token)
      assertNowhere(result, [CLIENTS.post.secret])
    }
    assert.equal((await server.introspect(auth.token)).active, true)
  })

  test('without sharing: 33 jobs make 33 token requests', async () => {
    const sent = server.tokenRequests().length
    const auth = await runStep('main', inputsFor(server))
    assert.equal(auth.code, 0, auth.stdout + auth.stderr)
    assert.equal(auth.outputs['shared-token'], undefined)
    assert.equal(auth.state.shared, 'false')
    const jobs = await runMatrix(N, inputsFor(server))
    assert.equal(server.tokenRequests().length - sent, N + 1)
    const tokens = new Set(jobs.map(({ result }) => result.env.BINARLY_ACCESS_TOKEN))
    assert.equal(tokens.size, N)
    for (const { result } of jobs) {
      assert.equal(result.code, 0, result.stdout + result.stderr)
      assertMaskedFirst(result, result.outputs['access-token'] ?? '')
      assertNowhere(result, [CLIENTS.post.secret])
    }
  })
})

describe('a shared-token that cannot be used: a warning, and a fresh exchange', () => {
  let shared: { token: string; sealed: string }
  before(async () => {
    shared = await shareJob(server)
  })

  /** Runs one matrix job and checks it warned once, for `reason`, and exchanged its own credentials. */
  async function fallsBack(
    s: OidcServer,
    sealed: string,
    reason: RegExp,
    options: { inputs?: Record<string, string>; env?: Record<string, string> } = {}
  ): Promise<void> {
    const sent = s.tokenRequests().length
    const result = await runStep(
      'main',
      { ...inputsFor(s), 'shared-token': sealed, ...options.inputs },
      { env: options.env }
    )
    assert.equal(result.code, 0, result.stdout + result.stderr)
    assert.equal(result.warnings.length, 1, result.warnings.join('\n'))
    assert.match(result.warnings[0] ?? '', /^shared-token cannot be used: /)
    assert.match(result.warnings[0] ?? '', reason)
    assert.match(result.warnings[0] ?? '', /Exchanging this job's own credentials instead\.$/)
    assert.equal(s.tokenRequests().length - sent, 1)
    const token = result.env.BINARLY_ACCESS_TOKEN ?? ''
    assert.equal(result.outputs['access-token'], token)
    assert.equal((await s.introspect(token)).active, true)
    assert.equal(result.state.shared, 'false')
    assertMaskedFirst(result, token)
    assertNowhere(result, [CLIENTS.post.secret, PASSPHRASE])
  }

  const unauthenticated = /does not open .*altered.*another run or repository/

  test('tampered ciphertext', async () => {
    const parts = shared.sealed.split('.')
    const ciphertext = Buffer.from(parts[2] ?? '', 'base64url')
    ciphertext[0] = (ciphertext[0] ?? 0) ^ 0x20
    parts[2] = ciphertext.toString('base64url')
    await fallsBack(server, parts.join('.'), unauthenticated)
  })

  test('another GITHUB_RUN_ID', async () => {
    await fallsBack(server, shared.sealed, /for binarly-io\/firmware-pipeline run 4243: .*altered/, {
      env: { GITHUB_RUN_ID: '4243' }
    })
  })

  test('another repository', async () => {
    await fallsBack(server, shared.sealed, /for binarly-io\/other run 4242: .*altered/, {
      env: { GITHUB_REPOSITORY: 'binarly-io/other' }
    })
  })

  test('a wrong share-passphrase', async () => {
    const withPassphrase = await shareJob(server, { 'share-passphrase': PASSPHRASE })
    await fallsBack(server, withPassphrase.sealed, unauthenticated, {
      inputs: { 'share-passphrase': `${PASSPHRASE}-other` }
    })
  })

  test('another client holding the same share-passphrase: the warning names client-id, and the job uses its own token', async () => {
    const post = await shareJob(server, { 'share-passphrase': PASSPHRASE })
    const other = {
      'client-id': CLIENTS.basic.id,
      'client-secret': CLIENTS.basic.secret,
      'auth-method': 'client_secret_basic'
    }
    const sent = server.tokenRequests().length
    const result = await runStep('main', {
      ...inputsFor(server),
      ...other,
      'share-passphrase': PASSPHRASE,
      'shared-token': post.sealed
    })
    assert.equal(result.code, 0, result.stdout + result.stderr)
    assert.deepEqual(result.warnings, [
      "shared-token cannot be used: it holds a token obtained with other inputs: client-id differs from this job's, so the token may belong to another client or grant other access; give the jobs that share a token the same inputs, or drop shared-token from this one. Exchanging this job's own credentials instead."
    ])
    assert.equal(server.tokenRequests().length - sent, 1)
    const token = result.outputs['access-token'] ?? ''
    assert.notEqual(token, post.token)
    assert.equal((await server.introspect(token)).client_id, CLIENTS.basic.id)
    assert.match(result.summary, /\| Client ID \| ci-basic \|/)
    assert.match(result.summary, /client credentials exchange/)
    assertNowhere(result, [CLIENTS.post.secret, CLIENTS.basic.secret, PASSPHRASE])
  })

  test('another scope, audience or auth-url: the warning names what differs', async () => {
    const post = await shareJob(server, { 'share-passphrase': PASSPHRASE })
    await fallsBack(server, post.sealed, /: scope, audience differ from this job's/, {
      inputs: { 'share-passphrase': PASSPHRASE, scope: 'scan:write', audience: 'https://api.binarly.io' }
    })
    await fallsBack(server, post.sealed, /: auth-url differs from this job's/, {
      inputs: { 'share-passphrase': PASSPHRASE, 'auth-url': server.issuer }
    })
  })

  test('another resource: the warning names it, and the job exchanges its own credentials', async () => {
    // Sealed for one resource (RFC 8707), opened by a job configured for another or none: the binding the
    // steps build from their config (shareBinding) must carry resources, or the job would hand on a token
    // meant for another API.
    const scanApi = 'https://scan.binarly.example/'
    const reportApi = 'https://report.binarly.example/'
    const withResources = await startOidcServer({ resources: [scanApi, reportApi] })
    try {
      const post = await shareJob(withResources, { 'share-passphrase': PASSPHRASE, resource: scanApi })
      assert.equal((await withResources.introspect(post.token)).aud, scanApi)
      for (const resource of [reportApi, '']) {
        await fallsBack(withResources, post.sealed, /: resource differs from this job's/, {
          inputs: { 'share-passphrase': PASSPHRASE, resource }
        })
      }
    } finally {
      await withResources.close()
    }
  })

  test('a v1 value (sealed by an older version of the action): the version message', async () => {
    const [, ...rest] = shared.sealed.split('.')
    await fallsBack(
      server,
      ['v1', ...rest].join('.'),
      /sealed in format v1, and this version of the action reads v2: use the same version/
    )
  })

  test('a truncated value', async () => {
    await fallsBack(
      server,
      shared.sealed.slice(0, -5),
      /not a sealed token .*truncated\): pass the shared-token output of this run's sharing job, copied whole\. Exchanging/
    )
  })

  test('a token valid for less than min-validity', async () => {
    await fallsBack(server, shared.sealed, /valid for 1\d{3} s more, less than min-validity \(3600 s\)/, {
      inputs: { 'min-validity': '3600' }
    })
  })

  test('an expired token', async () => {
    // Sealed as the sharing job seals (same key, same run), with an expiry already past: no waiting, and no
    // race with a token lifetime of a second, so the job's own fresh token is long-lived.
    const expiresAt = new Date(Date.now() - 60_000)
    const expired = seal(
      { accessToken: shared.token, tokenType: 'Bearer', scope: 'scan:read', expiresAt },
      deriveShareKey(CLIENTS.post.secret),
      {
        repository: 'binarly-io/firmware-pipeline',
        runId: '4242',
        clientId: CLIENTS.post.id,
        authUrl: server.tokenEndpoint,
        scope: 'scan:read',
        audience: undefined,
        resources: []
      }
    )
    await fallsBack(server, expired, new RegExp(`the token expired at ${expiresAt.toISOString()}: `))
  })
})
