/**
 * The final job of a matrix (`revoke-shared-token`), run the way the runner runs the main bundle against a
 * real OpenID provider: it revokes the shared token (introspection says inactive afterwards), makes no token
 * request and sets no outputs; a value that does not open is a warning, and nothing is sent at all.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { assertMaskedFirst, assertNowhere } from '../support/leaks.ts'
import { CLIENTS, startOidcServer, type OidcServer } from '../support/oidc-server.ts'
import { runStep, type StepResult } from '../support/runner.ts'

const PASSPHRASE = 'final-job-passphrase-0123456789'

let server: OidcServer
before(async () => {
  server = await startOidcServer()
})
after(() => server.close())

const inputs = (extra: Record<string, string> = {}): Record<string, string> => ({
  // The issuer: the revocation endpoint comes from discovery.
  'auth-url': server.issuer,
  'client-id': CLIENTS.post.id,
  'client-secret': CLIENTS.post.secret,
  scope: 'scan:read',
  ...extra
})

async function share(extra: Record<string, string> = {}): Promise<{ token: string; sealed: string }> {
  const result = await runStep('main', inputs({ share: 'true', ...extra }))
  assert.equal(result.code, 0, result.stdout + result.stderr)
  const token = result.outputs['access-token'] ?? ''
  assert.equal((await server.introspect(token)).active, true)
  return { token, sealed: result.outputs['shared-token'] ?? '' }
}

/** No outputs, no environment, nothing for the post step to revoke. */
function assertNothingHandedOut(result: StepResult): void {
  assert.deepEqual(result.outputs, {})
  assert.deepEqual(result.env, {})
  assert.equal(result.state.token, undefined)
  assert.equal(result.summary, '')
}

describe('revoke-shared-token', () => {
  test('revokes the shared token at once, says so, and makes no token request', async () => {
    const { token, sealed } = await share()
    const since = server.requests.length
    const result = await runStep('main', inputs({ 'revoke-shared-token': sealed }))
    assert.equal(result.code, 0, result.stdout + result.stderr)
    assert.deepEqual(result.warnings, [])
    const sent = server.requests.slice(since)
    assert.deepEqual(
      sent.map(r => r.path),
      ['/.well-known/openid-configuration', '/token/revocation']
    )
    assert.equal(sent[1]?.status, 200)
    assert.match(
      result.stdout,
      new RegExp(`^Revoked the shared token \\(valid until [^)]+\\) at ${server.revocationEndpoint}: `, 'm')
    )
    assert.equal((await server.introspect(token)).active, false)
    assertNothingHandedOut(result)
    assertMaskedFirst(result, token)
    assertNowhere(result, [CLIENTS.post.secret])
  })

  test('with share-passphrase, as the sharing job used it; share and shared-token are ignored with a warning', async () => {
    const { token, sealed } = await share({ 'share-passphrase': PASSPHRASE })
    const result = await runStep(
      'main',
      inputs({ 'share-passphrase': PASSPHRASE, 'revoke-shared-token': sealed, share: 'true', 'shared-token': sealed })
    )
    assert.equal(result.code, 0, result.stdout + result.stderr)
    assert.deepEqual(result.warnings, [
      'share and shared-token are ignored with revoke-shared-token: this step only revokes.'
    ])
    assert.equal((await server.introspect(token)).active, false)
    assertNothingHandedOut(result)
    assertNowhere(result, [CLIENTS.post.secret, PASSPHRASE])
  })

  for (const [name, value, extra, why] of [
    ['garbage', 'not-a-sealed-token', {}, /it is not a sealed token/],
    ['another key', undefined, { 'share-passphrase': `${PASSPHRASE}-other` }, /does not open with this job's key/],
    [
      'another client',
      undefined,
      { 'client-id': CLIENTS.basic.id, 'client-secret': CLIENTS.post.secret },
      /client-id differs/
    ]
  ] as const) {
    test(`a value that does not open (${name}): a warning, no request at all, no outputs; the token stays alive`, async () => {
      const { token, sealed } = await share({ 'share-passphrase': PASSPHRASE })
      const since = server.requests.length
      const result = await runStep(
        'main',
        inputs({ 'share-passphrase': PASSPHRASE, ...extra, 'revoke-shared-token': value ?? sealed })
      )
      assert.equal(result.code, 0, result.stdout + result.stderr)
      assert.equal(result.warnings.length, 1, result.stdout)
      assert.match(result.warnings[0] ?? '', /^revoke-shared-token: nothing was revoked: the value cannot be opened: /)
      assert.match(result.warnings[0] ?? '', why)
      assert.equal(server.requests.length - since, 0, 'a request was made')
      assert.equal((await server.introspect(token)).active, true)
      assertNothingHandedOut(result)
      assertNowhere(result, [CLIENTS.post.secret, PASSPHRASE, token])
    })
  }

  test('the post step after it has nothing to revoke', async () => {
    const { sealed } = await share()
    const main = await runStep('main', inputs({ 'revoke-shared-token': sealed }))
    const since = server.requests.length
    const post = await runStep('post', inputs({ 'revoke-shared-token': sealed }), { state: main.state })
    assert.equal(post.code, 0, post.stdout + post.stderr)
    assert.match(post.stdout, /Revocation skipped: the main step left no token/)
    assert.equal(server.requests.length - since, 0)
  })
})

describe('revoke-shared-token where no revocation endpoint is known', () => {
  test('a token URL that is not Keycloak: one warning with until when the token stays valid, nothing sent', async () => {
    const extra = { 'auth-url': server.tokenEndpoint }
    const { token, sealed } = await share(extra)
    const since = server.requests.length
    const result = await runStep('main', inputs({ ...extra, 'revoke-shared-token': sealed }))
    assert.equal(result.code, 0, result.stdout + result.stderr)
    assert.equal(result.warnings.length, 1, result.warnings.join('\n'))
    assert.match(result.warnings[0] ?? '', /no revocation endpoint is known .* stays valid until \d{4}-/)
    assert.deepEqual(server.requests.slice(since), [])
    assert.equal((await server.introspect(token)).active, true)
    assertNothingHandedOut(result)
    assertNowhere(result, [CLIENTS.post.secret])
  })
})
