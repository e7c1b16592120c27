/**
 * Keycloak's real answers (recorded from Keycloak 26.7.3 by __tests__/keycloak/keycloak.smoke.test.ts)
 * map to a fix a person can act on. Matched on error and description, not on the status alone.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { AuthMethod } from '../../../src/common/config.ts'
import { hintFor } from '../../../src/oauth/hints.ts'

const ctx = (method: AuthMethod = 'client_secret_post') => ({
  clientId: 'binarly-ci',
  method,
  scope: 'binarly:nope',
  endpoint: 'https://kc/realms/BinarlyRealm/protocol/openid-connect/token'
})
const answer = (status: number, error: string, errorDescription?: string) => ({
  status,
  error,
  ...(errorDescription ? { errorDescription } : {}),
  detail: error,
  transient: false
})

const cases: [string, ReturnType<typeof answer>, RegExp][] = [
  [
    'wrong secret',
    answer(401, 'unauthorized_client', 'Invalid client or Invalid client credentials'),
    /secret of "binarly-ci" is wrong: copy the secret again from the Keycloak admin console → realm BinarlyRealm → Clients → binarly-ci → Credentials tab/
  ],
  [
    'unknown or disabled client',
    answer(401, 'invalid_client', 'Invalid client or Invalid client credentials'),
    /"binarly-ci" is unknown or disabled in this realm.*that the client is Enabled/
  ],
  [
    'service accounts off',
    answer(401, 'unauthorized_client', 'Client not enabled to retrieve service account'),
    /Capability config and check "Service accounts roles"/
  ],
  [
    'public client',
    answer(401, 'unauthorized_client', 'Public client not allowed to retrieve service account'),
    /turn "Client authentication" on/
  ],
  [
    'disabled client, as older Keycloak versions said it',
    answer(400, 'invalid_client', 'Client disabled'),
    /^Client "binarly-ci" is disabled: enable it in Keycloak \(Clients → binarly-ci → Enabled\) or ask Binarly support \(SaaS\)\.$/
  ],
  ['wrong realm', answer(404, 'Realm does not exist'), /Binarly's realm is BinarlyRealm/],
  [
    'bad scope',
    answer(400, 'invalid_scope', 'Invalid scopes: binarly:nope'),
    /scope "binarly:nope" is not available to client "binarly-ci": remove it from the scope input, or add it to the client/
  ],
  ['https required', answer(403, 'invalid_request', 'HTTPS required'), /use the https:\/\/ Auth URL/],
  ['grant not allowed', answer(400, 'unsupported_grant_type'), /does not allow the client credentials grant/]
]
for (const [name, failure, hint] of cases) {
  test(`Keycloak: ${name}`, () => {
    assert.match(hintFor(failure, ctx()) ?? '(no hint)', hint)
  })
}

test('invalid_scope when no scope was asked for (a default scope the client lacks) still points at the client', () => {
  assert.match(
    hintFor(answer(400, 'invalid_scope', 'Invalid scopes: profile'), { ...ctx(), scope: undefined }) ?? '(no hint)',
    /^The scope "" is not available to client "binarly-ci": remove it from the scope input, or add it to the client in Keycloak/
  )
})

test('the same wrong-credentials answer names the method in use', () => {
  const failure = answer(401, 'invalid_client', 'Invalid client or Invalid client credentials')
  assert.match(hintFor(failure, ctx('private_key_jwt')) ?? '', /signed client assertion.*"Signed JWT"/)
  assert.match(
    hintFor(failure, ctx('github_oidc')) ?? '',
    /token\.actions\.githubusercontent\.com.*"Signed JWT - Federated"/
  )
})

test('a 404 or 405 without an OAuth error points at auth-url', () => {
  const bare = (status: number) => ({ status, detail: 'text/html', transient: false })
  assert.match(hintFor(bare(404), ctx()) ?? '', /Nothing answers at this URL/)
  assert.match(hintFor(bare(405), ctx()) ?? '', /does not accept POST/)
  assert.equal(hintFor(bare(500), ctx()), undefined)
})
