/**
 * Revocation in the post step: the main step, then the post step with the state it saved, against a real
 * OpenID provider (opaque tokens, so introspection shows whether a token is still alive). The skipped cases
 * make no revocation request, and a failing revocation endpoint leaves the job green with a warning.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { startFederatedRealm } from '../support/federated-realm.ts'
import { startGitHubOidc, SUBJECT } from '../support/github-oidc.ts'
import { assertMaskedFirst, assertNowhere, basicForms } from '../support/leaks.ts'
import { CLIENTS, startOidcServer, type OidcServer } from '../support/oidc-server.ts'
import { runStep, type StepResult } from '../support/runner.ts'

let server: OidcServer
before(async () => {
  server = await startOidcServer()
})
after(() => server.close())

type Client = { id: string; secret: string }

const inputsFor = (client: Client, extra: Record<string, string> = {}): Record<string, string> => ({
  // The issuer: the revocation endpoint comes from discovery (oidc-provider's /token/revocation).
  'auth-url': server.issuer,
  'client-id': client.id,
  'client-secret': client.secret,
  ...extra
})

const revocations = (s: OidcServer, since: number) =>
  s.requests.slice(since).filter(r => r.path === '/token/revocation')

async function mainStep(inputs: Record<string, string>): Promise<{ result: StepResult; token: string }> {
  const result = await runStep('main', inputs)
  assert.equal(result.code, 0, result.stdout + result.stderr)
  const token = result.outputs['access-token'] ?? ''
  assert.equal((await server.introspect(token)).active, true)
  return { result, token }
}

/** A post step that did not revoke: green, silent but for the debug line, no request, token alive. */
async function skipped(
  inputs: Record<string, string>,
  state: Record<string, string> | undefined,
  why: RegExp,
  token?: string
): Promise<StepResult> {
  const since = server.requests.length
  const post = await runStep('post', inputs, state ? { state } : {})
  assert.equal(post.code, 0, post.stdout + post.stderr)
  assert.deepEqual(post.warnings, [])
  assert.match(post.stdout, new RegExp(`::debug::Revocation skipped: ${why.source}`))
  assert.equal(server.requests.length - since, 0, 'the post step made a request')
  if (token) {
    assert.equal((await server.introspect(token)).active, true)
    assertMaskedFirst(post, token)
  }
  assertNowhere(post, [inputs['client-secret'] ?? ''])
  return post
}

describe('the post step revokes the token', () => {
  for (const [method, client] of [
    ['client_secret_post', CLIENTS.post],
    ['client_secret_basic', CLIENTS.basic],
    ['client_secret_jwt', CLIENTS.secretJwt]
  ] as const) {
    test(`${method}: the token is inactive at the server afterwards, and the request authenticated like the exchange`, async () => {
      const inputs = inputsFor(client, { 'auth-method': method })
      const { result, token } = await mainStep(inputs)
      assert.equal(result.state['revocation-endpoint'], server.revocationEndpoint)
      assert.equal(result.state.shared, 'false')
      const since = server.requests.length
      const post = await runStep('post', inputs, { state: result.state })
      assert.equal(post.code, 0, post.stdout + post.stderr)
      assert.deepEqual(post.warnings, [])
      assert.match(post.stdout, new RegExp(`Revoked the access token at ${server.revocationEndpoint}`))
      assert.equal((await server.introspect(token)).active, false)
      const sent = revocations(server, since)
      assert.equal(sent.length, 1)
      const [revocation] = sent
      const exchange = server.tokenRequests().at(-1)
      assert.ok(revocation && exchange)
      assert.equal(revocation.status, 200)
      assert.equal(revocation.values.token_type_hint, 'access_token')
      assert.equal(revocation.authorization, exchange.authorization)
      assert.deepEqual(
        revocation.fields.filter(f => f !== 'token' && f !== 'token_type_hint'),
        exchange.fields.filter(f => f !== 'grant_type')
      )
      assertMaskedFirst(post, token)
      assertNowhere(post, [client.secret, ...basicForms(client.id, client.secret)])
    })
  }
})

describe('the post step skips revocation, with a debug line and no request', () => {
  test('revoke: false', async () => {
    const inputs = inputsFor(CLIENTS.post, { revoke: 'false' })
    const { result, token } = await mainStep(inputs)
    await skipped(inputs, result.state, /revoke is false/, token)
  })

  test('a shared token (share: true): other jobs still need it', async () => {
    const inputs = inputsFor(CLIENTS.post, { share: 'true' })
    const { result, token } = await mainStep(inputs)
    assert.equal(result.state.shared, 'true')
    const post = await skipped(inputs, result.state, /the token is shared/, token)
    assert.match(post.files.summary, /^\| main step \| .* \| not revoked: shared with other jobs of this run \|$/m)
  })

  test('a token that came from shared-token', async () => {
    const auth = await mainStep(inputsFor(CLIENTS.post, { share: 'true' }))
    const inputs = inputsFor(CLIENTS.post, { 'shared-token': auth.result.outputs['shared-token'] ?? '' })
    const { result, token } = await mainStep(inputs)
    assert.equal(token, auth.token)
    const post = await skipped(inputs, result.state, /the token is shared/, token)
    // The audit of this job: the token is another job's, not one its own main step minted.
    assert.match(
      post.files.summary,
      /^\| another job of this run \(shared-token\) \| .* \| not revoked: shared with other jobs of this run \|$/m
    )
  })

  test('an expired token', async () => {
    const inputs = inputsFor(CLIENTS.post)
    const { result, token } = await mainStep(inputs)
    const state = { ...result.state, 'expires-at': new Date(Date.now() - 1000).toISOString() }
    await skipped(inputs, state, /the token expired at /, token)
  })

  test('no state: the main step got no token', async () => {
    await skipped(inputsFor(CLIENTS.post), undefined, /the main step left no token/)
  })

  test('no revocation endpoint known: auth-url is a token endpoint that is not Keycloak', async () => {
    const inputs = { ...inputsFor(CLIENTS.post), 'auth-url': server.tokenEndpoint }
    const { result, token } = await mainStep(inputs)
    assert.equal(result.state['revocation-endpoint'], '')
    await skipped(inputs, result.state, /no revocation endpoint is known/, token)
  })
})

describe('a failed revocation is a warning, never a failed job', () => {
  /**
   * A revocation endpoint that fails, and a port nothing listens on. (Discovery cannot name them: it may name
   * endpoints on the origin of auth-url only, so the state the main step saved is pointed at them.)
   */
  let broken: Server
  let brokenUrl: string
  /** A port that is held, not freed, and resets every connection: nothing else can take it meanwhile. */
  let resetting: NetServer
  let deadPort: number
  let revokeHits = 0
  before(async () => {
    resetting = createNetServer(socket => socket.resetAndDestroy())
    await new Promise<void>(resolve => resetting.listen(0, '127.0.0.1', resolve))
    deadPort = (resetting.address() as AddressInfo).port
    broken = createServer((request, response) => {
      if (request.url === '/revoke') revokeHits++
      request.resume()
      response.writeHead(500, { 'content-type': 'text/plain' }).end('internal error')
    })
    await new Promise<void>(resolve => broken.listen(0, '127.0.0.1', resolve))
    brokenUrl = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`
  })
  after(async () => {
    await new Promise<void>(resolve => broken.close(() => resolve()))
    await new Promise<void>(resolve => resetting.close(() => resolve()))
  })

  for (const [kind, warning] of [
    [
      'failing',
      /^binarly-m2m-auth: Could not revoke the token at http:\/\/127\.0\.0\.1:\d+\/revoke: HTTP 500, text\/plain: "internal error"\. It stays valid until \S+Z; if this server cannot revoke tokens, set revoke: false\..*gave up after 2 attempts/i
    ],
    [
      'dead',
      /^binarly-m2m-auth: Could not revoke the token at http:\/\/127\.0\.0\.1:\d+\/revoke: network error talking to 127\.0\.0\.1:\d+: .*ECONNRESET.*It stays valid until \S+Z; if this server cannot revoke tokens, set revoke: false\..*gave up after 2 attempts/i
    ]
  ] as const) {
    test(`a ${kind} revocation endpoint: exit 0, one warning with the fix, one retry at most`, async () => {
      const inputs = inputsFor(CLIENTS.post)
      const { result, token } = await mainStep(inputs)
      const revocation = kind === 'failing' ? `${brokenUrl}/revoke` : `http://127.0.0.1:${deadPort}/revoke`
      const hits = revokeHits
      const post = await runStep('post', inputs, { state: { ...result.state, 'revocation-endpoint': revocation } })
      assert.equal(post.code, 0, post.stdout + post.stderr)
      assert.deepEqual(post.errors, [])
      assert.equal(post.warnings.length, 1, post.warnings.join('\n'))
      assert.match(post.warnings[0] ?? '', warning)
      assert.equal(revokeHits - hits, kind === 'failing' ? 2 : 0)
      assert.equal((await server.introspect(token)).active, true)
      assertMaskedFirst(post, token)
      assertNowhere(post, [CLIENTS.post.secret])
    })
  }

  test('a config error in the post step only warns', async () => {
    const inputs = inputsFor(CLIENTS.post)
    const { result, token } = await mainStep(inputs)
    const since = server.requests.length
    const post = await runStep('post', { ...inputs, 'client-id': '' }, { state: result.state })
    assert.equal(post.code, 0, post.stdout + post.stderr)
    assert.deepEqual(post.errors, [])
    assert.equal(post.warnings.length, 1)
    assert.match(post.warnings[0] ?? '', /^binarly-m2m-auth: client-id: is empty/)
    assert.equal(server.requests.length - since, 0)
    assert.equal((await server.introspect(token)).active, true)
    assertNowhere(post, [CLIENTS.post.secret])
  })
})

describe('github_oidc: revocation authenticates like the exchange', () => {
  test("a fresh GitHub OIDC token for the same audience, sent to Keycloak's /revoke next to the token endpoint", async () => {
    const github = await startGitHubOidc()
    const realm = await startFederatedRealm({ trustedIssuer: github.issuer, subject: SUBJECT })
    try {
      const inputs = { 'auth-url': realm.tokenEndpoint, 'client-id': 'binarly-github', 'auth-method': 'github_oidc' }
      const main = await runStep('main', inputs, { env: github.env })
      assert.equal(main.code, 0, main.stdout + main.stderr)
      assert.equal(main.state['revocation-endpoint'], `${realm.issuer}/protocol/openid-connect/revoke`)
      assert.equal(main.state['oidc-audience'], realm.issuer)
      const asked = github.requests.length
      const issued = github.issued.length
      const post = await runStep('post', inputs, { env: github.env, state: main.state })
      assert.equal(post.code, 0, post.stdout + post.stderr)
      // GitHub was asked again, for the audience of the exchange: the assertion is never reused.
      assert.deepEqual(
        github.requests.slice(asked).map(r => r.audience),
        [realm.issuer]
      )
      // The stand-in's revocation endpoint authenticates the assertion as its token endpoint does.
      assert.deepEqual(post.warnings, [])
      assert.match(post.stdout, /Revoked the access token at http:\/\/127\.0\.0\.1:\d+\/realms\/BinarlyRealm\//)
      assert.deepEqual(realm.revoked, [main.outputs['access-token']])
      assertMaskedFirst(post, main.outputs['access-token'] ?? '')
      const [assertion] = github.issued.slice(issued)
      assert.ok(assertion)
      assertMaskedFirst(post, assertion)
      assertNowhere(post, [github.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN], 'ACTIONS_ID_TOKEN_REQUEST_TOKEN')
    } finally {
      await realm.close()
      await github.close()
    }
  })
})
