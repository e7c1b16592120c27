/**
 * runMain in-process with github_oidc, against the loopback GitHub OIDC stand-in and the federated realm: a
 * token issued to another client than client-id, and what happens to it (revoked, or why not); the message
 * for a refused GitHub token. The runner-style tests of the same are in github-oidc.e2e.test.ts.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { runMain } from '../../src/run-main.ts'
import { httpTransport } from '../../src/net/transport.ts'
import { type Transport } from '../../src/net/http.ts'
import { startFederatedRealm, type FederatedRealmOptions } from '../support/federated-realm.ts'
import { startGitHubOidc, SUBJECT, type GitHubOidc } from '../support/github-oidc.ts'
import { testDeps, type Recorded } from '../support/fake-core.ts'

const PROD = { id: 'binarly-github-prod', sub: 'repo:binarly-io/firmware-pipeline:environment:prod' }

let github: GitHubOidc
before(async () => {
  github = await startGitHubOidc()
})
after(() => github.close())

/** runMain for client-id against a realm made with these options; the error, the realm and what was recorded. */
async function exchange(
  realmOptions: Partial<FederatedRealmOptions>,
  inputs: Record<string, string>,
  transport: Transport = httpTransport
) {
  const realm = await startFederatedRealm({ trustedIssuer: github.issuer, subject: SUBJECT, ...realmOptions })
  try {
    const { deps, recorded } = testDeps(
      { 'auth-url': realm.tokenEndpoint, 'auth-method': 'github_oidc', retries: '0', ...inputs },
      { env: github.env, transport }
    )
    const error = await runMain(deps).then(
      () => undefined,
      (thrown: unknown) => thrown as Error
    )
    return { error, realm, recorded }
  } finally {
    await realm.close()
  }
}

/** Nothing handed out; the refused token masked, and nowhere else. */
function assertNotHandedOut(recorded: Recorded, token: string): void {
  assert.deepEqual(recorded.outputs, {})
  assert.deepEqual(recorded.env, {})
  assert.deepEqual(recorded.state, {})
  assert.ok(recorded.calls.some(([kind, value]) => kind === 'setSecret' && value === token))
  for (const [kind, value] of recorded.calls) if (kind !== 'setSecret') assert.ok(!value.includes(token), kind)
}

describe('github_oidc in-process: the client Keycloak picked must be client-id', () => {
  test('another client: refused naming both, and revoked at once', async () => {
    const { error, realm, recorded } = await exchange(
      { otherClients: { [PROD.id]: PROD.sub } },
      { 'client-id': PROD.id }
    )
    const [token] = realm.issued
    assert.ok(token)
    assert.match(
      error?.message ?? '',
      /^github_oidc: Keycloak issued the token to client "binarly-github" \(its azp\), not to client-id "binarly-github-prod".* It was revoked at once\.$/
    )
    assert.deepEqual(realm.revoked, [token])
    assertNotHandedOut(recorded, token)
  })

  test('the revocation endpoint refuses: said, and the step still fails for the client', async () => {
    const { error, realm, recorded } = await exchange(
      { otherClients: { [PROD.id]: PROD.sub }, revocationStatus: 400 },
      { 'client-id': PROD.id }
    )
    assert.match(
      error?.message ?? '',
      /not to client-id "binarly-github-prod".* It could not be revoked \(invalid_request\) and expires on its own\.$/
    )
    assertNotHandedOut(recorded, realm.issued[0] ?? '')
  })

  test('GitHub gives no token for the revocation: said', async () => {
    let asked = 0
    const { error, realm } = await exchange({ opaque: true }, { 'client-id': 'binarly-github' }, async request => {
      if (request.url.startsWith(github.issuer) && ++asked > 1) {
        return { status: 503, headers: {}, body: '{"message":"unavailable"}' }
      }
      return httpTransport(request)
    })
    assert.equal(asked, 2)
    assert.match(error?.message ?? '', /does not say which client it was issued to/)
    assert.match(
      error?.message ?? '',
      /It could not be revoked \(github_oidc: GitHub's OIDC service .* it answered HTTP 503\. .*\) and expires on its own\.$/
    )
    assert.deepEqual(realm.revoked, [])
  })

  test('revoke: false: not revoked, and said so', async () => {
    const { error, realm } = await exchange(
      { otherClients: { [PROD.id]: PROD.sub } },
      { 'client-id': PROD.id, revoke: 'false' }
    )
    assert.match(error?.message ?? '', /It was not revoked \(revoke is false, or no revocation endpoint is known\)/)
    assert.deepEqual(realm.revoked, [])
  })

  test('the right client: handed out, nothing revoked', async () => {
    const { error, realm, recorded } = await exchange(
      { otherClients: { [PROD.id]: PROD.sub } },
      { 'client-id': 'binarly-github' }
    )
    assert.equal(error, undefined)
    assert.equal(recorded.outputs['access-token'], realm.issued[0])
    assert.deepEqual(realm.revoked, [])
  })

  test('a refused GitHub token: the message quotes its iss, sub and aud', async () => {
    const { error, realm } = await exchange(
      { subject: 'repo:someone/else:ref:refs/heads/main' },
      { 'client-id': 'binarly-github' }
    )
    assert.ok(
      error?.message.includes(
        `the token presented has iss "${github.issuer}", sub "${SUBJECT}", aud "${realm.issuer}". In Keycloak these must match it`
      ),
      error?.message
    )
  })
})
