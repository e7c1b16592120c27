/**
 * auth-method github_oidc, run the way the runner runs the main bundle: the job's OIDC token comes from a
 * loopback stand-in for GitHub's OIDC service, and is presented to a loopback token endpoint that checks it
 * as Keycloak's "Signed JWT - Federated" does. (The acceptance test against Keycloak is in __tests__/keycloak.)
 */
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, test } from 'node:test'
import { startFederatedRealm, type FederatedRealm } from '../support/federated-realm.ts'
import { startGitHubOidc, SUBJECT, type GitHubOidc } from '../support/github-oidc.ts'
import { assertMaskedFirst, assertNowhere } from '../support/leaks.ts'
import { runStep, type StepResult } from '../support/runner.ts'

const CLIENT_ID = 'binarly-github'

let github: GitHubOidc
let realm: FederatedRealm
before(async () => {
  github = await startGitHubOidc()
  realm = await startFederatedRealm({ trustedIssuer: github.issuer, subject: SUBJECT })
})
after(async () => {
  await realm.close()
  await github.close()
})
beforeEach(() => github.configure({}))

/** Runs the step with the job's OIDC request variables; returns what GitHub and the realm saw of it. */
async function run(inputs: Record<string, string>, env: Record<string, string | undefined> = github.env) {
  const from = { github: github.requests.length, issued: github.issued.length, realm: realm.requests.length }
  const result = await runStep('main', { 'client-id': CLIENT_ID, 'auth-method': 'github_oidc', ...inputs }, { env })
  return {
    result,
    asked: github.requests.slice(from.github),
    issued: github.issued.slice(from.issued),
    presented: realm.requests.slice(from.realm)
  }
}

/** GitHub's tokens are masked before anything else sees them; the request token never shows. */
function assertNoLeak(result: StepResult, issued: string[]): void {
  for (const token of issued) assertMaskedFirst(result, token)
  assertNowhere(result, [github.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN], 'ACTIONS_ID_TOKEN_REQUEST_TOKEN')
}

describe('github_oidc', () => {
  for (const [name, env] of [
    ['no ACTIONS_ID_TOKEN_REQUEST_* variables', () => ({})],
    [
      'only ACTIONS_ID_TOKEN_REQUEST_URL',
      () => ({ ACTIONS_ID_TOKEN_REQUEST_URL: github.env.ACTIONS_ID_TOKEN_REQUEST_URL })
    ]
  ] as const) {
    test(`without the id-token permission (${name}) it fails with the fix, before any request`, async () => {
      const { result, asked, presented } = await run({ 'auth-url': realm.issuer }, env())
      assert.equal(result.code, 1)
      assert.equal(result.errors.length, 1)
      assert.match(result.errors[0] ?? '', /add "permissions: id-token: write" to the job/)
      assert.equal(asked.length, 0, 'GitHub was not asked')
      assert.equal(presented.length, 0, 'no token request')
      assertNowhere(result, [github.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN])
    })
  }

  test('a Keycloak token URL: the audience is the realm issuer derived from it, and the exchange succeeds', async () => {
    const { result, asked, issued, presented } = await run({ 'auth-url': realm.tokenEndpoint })
    assert.equal(result.code, 0, result.stdout + result.stderr)
    assert.deepEqual(asked, [{ audience: realm.issuer, authorized: true, status: 200 }])
    assert.match(result.stdout, new RegExp(`with audience ${realm.issuer}\\.`))
    assert.equal(presented.length, 1)
    assert.equal(presented[0]?.status, 200)
    assert.equal(presented[0].clientIdSent, false, 'no client_id: the realm finds the client by iss and sub')
    assert.equal(presented[0].claims?.sub, SUBJECT)
    assert.equal(presented[0].claims.aud, realm.issuer)
    const token = result.outputs['access-token'] ?? ''
    assert.ok(realm.issued.includes(token))
    assert.equal(result.env.BINARLY_ACCESS_TOKEN, token)
    assertMaskedFirst(result, token)
    assertNoLeak(result, issued)
  })

  test('a realm URL: the audience is the issuer from discovery', async () => {
    const { result, asked, issued } = await run({ 'auth-url': realm.issuer })
    assert.equal(result.code, 0, result.stdout + result.stderr)
    assert.deepEqual(
      asked.map(a => a.audience),
      [realm.issuer]
    )
    assertMaskedFirst(result, result.outputs['access-token'] ?? '')
    assertNoLeak(result, issued)
  })

  test('oidc-audience overrides the default; a wrong one fails with what to set', async () => {
    const audience = 'https://kc.example.com/realms/BinarlyRealm'
    const { result, asked, issued, presented } = await run({
      'auth-url': realm.tokenEndpoint,
      'oidc-audience': audience
    })
    assert.equal(result.code, 1)
    assert.deepEqual(
      asked.map(a => a.audience),
      [audience]
    )
    assert.equal(presented.length, 1, 'an authentication failure is not retried')
    assert.match(result.errors[0] ?? '', /HTTP 401 invalid_client: "Invalid token audience"/)
    assert.match(result.errors[0] ?? '', /leave oidc-audience empty to use the realm of auth-url/)
    assertNoLeak(result, issued)
  })

  test('a token for another sub (branch, environment) fails with what to configure on the client', async () => {
    github.configure({ sub: 'repo:binarly-io/firmware-pipeline:ref:refs/heads/feature' })
    const { result, issued } = await run({ 'auth-url': realm.tokenEndpoint })
    assert.equal(result.code, 1)
    assert.match(result.errors[0] ?? '', /"Invalid client or Invalid client credentials"/)
    // What was presented, and which Keycloak setting must equal which claim of it.
    const sub = 'repo:binarly-io/firmware-pipeline:ref:refs/heads/feature'
    assert.ok(
      result.errors[0]?.includes(
        `the token presented has iss "${github.issuer}", sub "${sub}", aud "${realm.issuer}". In Keycloak these must match it: an identity provider whose Issuer is "${github.issuer}", with "Supports client assertions" on; client "${CLIENT_ID}" with Client Authenticator "Signed JWT - Federated", that identity provider, and "Federated subject" (jwt.credential.sub) equal to "${sub}" exactly`
      ),
      result.errors[0]
    )
    assert.ok(!result.errors[0]?.includes('token.actions.githubusercontent.com'), 'no hard-coded issuer')
    assertNoLeak(result, issued)
  })

  test("a repository with GitHub's immutable IDs in its sub: the refusal quotes that sub; as the federated subject it is accepted", async () => {
    // The form GitHub gives repositories created or renamed after 2026-06-18 (docs/client-authentication.md).
    const immutable = 'repo:binarly-io-1234567/firmware-pipeline-7654321:ref:refs/heads/main'
    github.configure({ sub: immutable })
    // A client set up with the classic form of the same repository and branch.
    const { result, issued } = await run({ 'auth-url': realm.tokenEndpoint })
    assert.equal(result.code, 1)
    assert.ok(result.errors[0]?.includes(`sub "${immutable}", aud "${realm.issuer}"`), result.errors[0])
    assert.ok(result.errors[0]?.includes(`(jwt.credential.sub) equal to "${immutable}" exactly`), result.errors[0])
    assertNoLeak(result, issued)
    // The sub copied from the message into the client's federated subject.
    const copied = await startFederatedRealm({ trustedIssuer: github.issuer, subject: immutable })
    try {
      const accepted = await runStep(
        'main',
        { 'auth-url': copied.tokenEndpoint, 'client-id': CLIENT_ID, 'auth-method': 'github_oidc' },
        { env: github.env }
      )
      assert.equal(accepted.code, 0, accepted.stdout + accepted.stderr)
      assert.ok(copied.issued.includes(accepted.outputs['access-token'] ?? ''))
    } finally {
      await copied.close()
    }
  })

  /** The step failed, handed nothing out, and never wrote the refused token anywhere but in its mask. */
  function assertRefused(result: StepResult, token: string): void {
    assert.equal(result.code, 1)
    assert.equal(result.errors.length, 1)
    assert.equal(result.files.output, '', 'no outputs')
    assert.equal(result.files.env, '', 'no env export')
    assert.deepEqual(result.state, {}, 'no state')
    assertMaskedFirst(result, token)
  }

  // Keycloak's tokens name the client in azp and client_id alike; azp is the one that says who the token was
  // issued to, so a client_id claim that says client-id (a realm's mapper can put any value there) lets nothing
  // through.
  for (const [name, clientIdClaim] of [
    ["client-id names another client than the one GitHub's sub belongs to", undefined],
    ['the same, with a client_id claim that says client-id', 'binarly-github-prod']
  ] as const) {
    test(`${name}: refused, both named, revoked`, async () => {
      const other = await startFederatedRealm({
        trustedIssuer: github.issuer,
        subject: SUBJECT,
        otherClients: { 'binarly-github-prod': 'repo:binarly-io/firmware-pipeline:environment:prod' },
        clientIdClaim
      })
      try {
        const from = github.issued.length
        const result = await runStep(
          'main',
          { 'auth-url': other.tokenEndpoint, 'client-id': 'binarly-github-prod', 'auth-method': 'github_oidc' },
          { env: github.env }
        )
        const [token] = other.issued
        assert.ok(token, 'the realm issued a token (to binarly-github)')
        assertRefused(result, token)
        assert.match(
          result.errors[0] ?? '',
          /^binarly-m2m-auth: github_oidc: Keycloak issued the token to client "binarly-github" \(its azp\), not to client-id "binarly-github-prod", so it is not handed out\./
        )
        assert.ok(result.errors[0]?.includes(`(iss "${github.issuer}", sub "${SUBJECT}", aud "${other.issuer}")`))
        assert.match(result.errors[0] ?? '', /Set client-id to "binarly-github" if that is the client meant/)
        assert.match(result.errors[0] ?? '', / It was revoked at once\.$/)
        assert.deepEqual(other.revoked, [token])
        assertNoLeak(result, github.issued.slice(from))
      } finally {
        await other.close()
      }
    })
  }

  for (const [name, options, inputs, outcome] of [
    [
      'the revocation endpoint refuses',
      { revocationStatus: 400 },
      {},
      /It could not be revoked \(invalid_request\) and expires on its own\.$/
    ],
    [
      'revoke is false',
      {},
      { revoke: 'false' },
      /It was not revoked \(revoke is false, or no revocation endpoint is known\) and expires on its own\.$/
    ]
  ] as const) {
    test(`an opaque token cannot be checked: refused (${name})`, async () => {
      const opaque = await startFederatedRealm({
        trustedIssuer: github.issuer,
        subject: SUBJECT,
        opaque: true,
        ...options
      })
      try {
        const from = github.issued.length
        const result = await runStep(
          'main',
          { 'auth-url': opaque.tokenEndpoint, 'client-id': CLIENT_ID, 'auth-method': 'github_oidc', ...inputs },
          { env: github.env }
        )
        const [token] = opaque.issued
        assert.ok(token)
        assertRefused(result, token)
        assert.match(
          result.errors[0] ?? '',
          /github_oidc: the access token does not say which client it was issued to \(it is not a JWT with an azp or client_id claim\), so it cannot be checked against client-id "binarly-github" and is not handed out/
        )
        assert.match(result.errors[0] ?? '', outcome)
        assert.deepEqual(opaque.revoked, [])
        assertNoLeak(result, github.issued.slice(from))
      } finally {
        await opaque.close()
      }
    })
  }

  test('an expired token fails with the clock hint', async () => {
    github.configure({ expired: true })
    const { result, issued } = await run({ 'auth-url': realm.tokenEndpoint })
    assert.equal(result.code, 1)
    assert.match(result.errors[0] ?? '', /"Token is not active"\. Keycloak found GitHub's OIDC token expired/)
    assertNoLeak(result, issued)
  })

  test("GitHub's service failing is reported as GitHub's, without its answer body", async () => {
    github.configure({ failWith: 500 })
    const { result, asked, presented } = await run({ 'auth-url': realm.tokenEndpoint })
    assert.equal(result.code, 1)
    assert.equal(asked.length, 1)
    assert.equal(presented.length, 0, 'no token request without a token')
    assert.equal(result.errors.length, 1)
    assert.match(
      result.errors[0] ?? '',
      /GitHub's OIDC service \(ACTIONS_ID_TOKEN_REQUEST_URL\) gave no token for audience .*: it answered HTTP 500\./
    )
    assert.ok(!result.stdout.includes('stand-in failure'), 'the answer body is not printed')
    assertNowhere(result, [github.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN])
  })

  test('every attempt asks GitHub for a new token (the realm accepts each jti once)', async () => {
    const flaky = await startFederatedRealm({ trustedIssuer: github.issuer, subject: SUBJECT, failFirst: 2 })
    try {
      const from = { github: github.requests.length, issued: github.issued.length }
      const result = await runStep(
        'main',
        { 'auth-url': flaky.tokenEndpoint, 'client-id': CLIENT_ID, 'auth-method': 'github_oidc', retries: '2' },
        { env: github.env }
      )
      assert.equal(result.code, 0, result.stdout + result.stderr)
      assert.equal(github.requests.length - from.github, 3)
      assert.deepEqual(
        flaky.requests.map(r => r.status),
        [503, 503, 200]
      )
      assert.equal(new Set(flaky.requests.map(r => r.claims?.jti)).size, 3)
      assertNoLeak(result, github.issued.slice(from.issued))
    } finally {
      await flaky.close()
    }
  })
})
