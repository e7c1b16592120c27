/** The main bundle, run the way the runner runs it, against a real OpenID provider on loopback. */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { assertMaskedFirst, assertNowhere, basicForms } from '../support/leaks.ts'
import { CLIENTS, startOidcServer, type OidcServer } from '../support/oidc-server.ts'
import { runStep } from '../support/runner.ts'

let server: OidcServer
before(async () => {
  server = await startOidcServer()
})
after(() => server.close())

describe('main step against oidc-provider', () => {
  test('client_secret_post: outputs, env file, masking, no leak', async () => {
    const before = server.tokenRequests().length
    const result = await runStep('main', {
      'auth-url': server.tokenEndpoint,
      'client-id': CLIENTS.post.id,
      'client-secret': CLIENTS.post.secret,
      scope: 'scan:read'
    })
    assert.equal(result.code, 0, result.stdout + result.stderr)
    const token = result.outputs['access-token'] ?? ''
    assert.ok(token.length > 20)
    assert.equal(result.outputs['token-type'], 'Bearer')
    assert.equal(result.outputs['expires-in'], '1800')
    assert.equal(result.outputs.scope, 'scan:read')
    const expiresAt = Date.parse(result.outputs['expires-at'] ?? '')
    assert.ok(Math.abs(expiresAt - (Date.now() + 1800_000)) < 60_000)
    assert.equal(result.env.BINARLY_ACCESS_TOKEN, token)
    assert.equal(result.state.token, token)
    assert.match(result.summary, /Binarly access token/)
    assertMaskedFirst(result, token)
    assertNowhere(result, [CLIENTS.post.secret])
    const introspection = await server.introspect(token)
    assert.equal(introspection.active, true)
    assert.equal(introspection.client_id, CLIENTS.post.id)
    const sent = server.tokenRequests().slice(before)
    assert.equal(sent.length, 1)
    assert.equal(sent[0]?.authorization, undefined)
    assert.deepEqual(sent[0]?.fields, ['client_id', 'client_secret', 'grant_type', 'scope'])
  })

  for (const method of ['client_secret_post', 'client_secret_basic'] as const) {
    test(`${method} with a secret full of %, +, :, & and spaces`, async () => {
      const before = server.tokenRequests().length
      const result = await runStep('main', {
        'auth-url': server.issuer,
        'client-id': CLIENTS.special.id,
        'client-secret': CLIENTS.special.secret,
        'auth-method': method
      })
      assert.equal(result.code, 0, result.stdout + result.stderr)
      const sent = server.tokenRequests().slice(before)
      assert.equal(sent.length, 1)
      assert.equal(sent[0]?.authorization, method === 'client_secret_basic' ? 'basic' : undefined)
      assert.equal(sent[0]?.fields.includes('client_secret'), method === 'client_secret_post')
      assertMaskedFirst(result, result.outputs['access-token'] ?? '')
      assertNowhere(result, [CLIENTS.special.secret, ...basicForms(CLIENTS.special.id, CLIENTS.special.secret)])
    })
  }

  test('a wrong secret fails with the fix, and prints no secret', async () => {
    const result = await runStep('main', {
      'auth-url': server.tokenEndpoint,
      'client-id': CLIENTS.post.id,
      'client-secret': 'wrong-secret-value'
    })
    assert.equal(result.code, 1)
    assert.equal(result.errors.length, 1)
    assert.match(result.errors[0] ?? '', /HTTP 401 invalid_client/)
    assert.match(result.errors[0] ?? '', /copy the secret again/)
    assertNowhere(result, ['wrong-secret-value'])
  })
})
