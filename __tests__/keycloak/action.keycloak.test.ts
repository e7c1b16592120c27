/**
 * The action against a real Keycloak, the server Binarly runs: dist/main (and dist/post) run the way the
 * runner runs them, through the same harness as the fast end-to-end tests, against the test realm.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startKeycloak, type Keycloak } from '../../scripts/keycloak.mjs'
import { assertMaskedFirst, assertNowhere, basicForms } from '../support/leaks.ts'
import { runStep, visibleOutput, type StepResult } from '../support/runner.ts'

const CI = { id: 'binarly-ci', secret: 'p%a+s:s w&ord-ü-=/?#' }
const PLAIN = { id: 'binarly-plain', secret: 'plain-secret-123' }

let kc: Keycloak
before(async () => {
  kc = await startKeycloak()
})
after(() => kc.stop())

const claims = (jwt: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>

async function introspect(token: string): Promise<Record<string, unknown>> {
  const response = await fetch(kc.introspectionEndpoint, {
    method: 'POST',
    body: new URLSearchParams({ token, client_id: 'introspector', client_secret: 'introspector-secret' })
  })
  assert.equal(response.status, 200)
  return (await response.json()) as Record<string, unknown>
}

/**
 * The realm's 1800 s token lifespan, as expires_in: Keycloak sends exp minus its clock when it answers, so a
 * loaded machine that crosses a second boundary in between gets 1799.
 */
function assertRealmLifespan(expiresIn: number): void {
  assert.ok(expiresIn >= 1790 && expiresIn <= 1800, `expires-in ${expiresIn}, expected 1800 (or a few seconds less)`)
}

function succeeded(result: StepResult, secrets: string[]): string {
  assert.equal(result.code, 0, result.stdout + result.stderr)
  const token = result.outputs['access-token'] ?? ''
  assertMaskedFirst(result, token)
  assertNowhere(result, secrets)
  return token
}

describe('exchange at a real Keycloak', () => {
  for (const method of ['client_secret_post', 'client_secret_basic'] as const) {
    test(`${method} with the special-character secret, from the token URL`, async () => {
      const result = await runStep('main', {
        'auth-url': kc.tokenEndpoint,
        'client-id': CI.id,
        'client-secret': CI.secret,
        'auth-method': method,
        revoke: 'false'
      })
      const token = succeeded(result, [CI.secret, ...basicForms(CI.id, CI.secret)])
      assert.equal(result.outputs['token-type'], 'Bearer')
      assertRealmLifespan(Number(result.outputs['expires-in']))
      assert.equal(result.env.BINARLY_ACCESS_TOKEN, token)
      const active = await introspect(token)
      assert.equal(active.active, true)
      assert.equal(active.client_id, CI.id)
      assert.equal(claims(token).azp, CI.id)
    })
  }

  test('from the realm URL (OpenID discovery), with a client scope; Keycloak extras are ignored', async () => {
    const result = await runStep('main', {
      'auth-url': kc.realmUrl,
      'client-id': CI.id,
      'client-secret': CI.secret,
      scope: 'binarly:scan',
      revoke: 'false'
    })
    const token = succeeded(result, [CI.secret])
    assert.match(result.outputs.scope ?? '', /(^| )binarly:scan( |$)/)
    assert.match(result.stdout, new RegExp(`Token endpoint ${kc.tokenEndpoint.replace(/[.]/g, '\\.')} \\(from`))
    assert.equal((await introspect(token)).active, true)
  })

  test('scope=openid: the id_token Keycloak adds is masked too', async () => {
    const result = await runStep('main', {
      'auth-url': kc.tokenEndpoint,
      'client-id': PLAIN.id,
      'client-secret': PLAIN.secret,
      scope: 'openid',
      revoke: 'false'
    })
    const token = succeeded(result, [PLAIN.secret])
    const idTokens = result.masks.filter(
      mask => mask !== token && mask.split('.').length === 3 && claims(mask).typ === 'ID'
    )
    assert.equal(idTokens.length, 1, 'the id_token was masked')
  })

  test('the post step revokes the token at Keycloak', async () => {
    const inputs = { 'auth-url': kc.realmUrl, 'client-id': PLAIN.id, 'client-secret': PLAIN.secret }
    const main = await runStep('main', inputs)
    const token = succeeded(main, [PLAIN.secret])
    assert.equal((await introspect(token)).active, true)
    const post = await runStep('post', inputs, { state: main.state })
    assert.equal(post.code, 0, post.stdout + post.stderr)
    assertNowhere(post, [PLAIN.secret])
    assert.ok(!visibleOutput(post).includes(token))
    assert.deepEqual(await introspect(token), { active: false })
  })

  for (const [name, url] of [
    ['the realm URL (discovery)', () => kc.realmUrl],
    ['the token URL', () => kc.tokenEndpoint]
  ] as const) {
    test(`a matrix's final job revokes the shared token at Keycloak (${name}), without a token request`, async () => {
      const inputs = { 'auth-url': url(), 'client-id': PLAIN.id, 'client-secret': PLAIN.secret }
      const auth = await runStep('main', { ...inputs, share: 'true' })
      const token = succeeded(auth, [PLAIN.secret])
      assert.equal((await introspect(token)).active, true)
      const final = await runStep('main', { ...inputs, 'revoke-shared-token': auth.outputs['shared-token'] ?? '' })
      assert.equal(final.code, 0, final.stdout + final.stderr)
      assert.deepEqual(final.warnings, [])
      assert.deepEqual(final.outputs, {})
      assert.doesNotMatch(final.stdout, /Requesting a token/)
      assert.match(
        final.stdout,
        /^Revoked the shared token \(valid until [^)]+\) at http:\/\/.*\/protocol\/openid-connect\/revoke: /m
      )
      assertMaskedFirst(final, token)
      assertNowhere(final, [PLAIN.secret])
      assert.deepEqual(await introspect(token), { active: false })
    })
  }
})

describe("Keycloak's refusals become messages that name the fix", () => {
  const cases: { name: string; inputs: Record<string, string>; message: RegExp }[] = [
    {
      name: 'wrong secret',
      inputs: { 'client-id': PLAIN.id, 'client-secret': 'not-the-secret' },
      message:
        /HTTP 401 unauthorized_client: "Invalid client or Invalid client credentials"\. The client secret of "binarly-plain" is wrong: copy the secret again from the Keycloak admin console → realm BinarlyRealm → Clients → binarly-plain → Credentials tab/
    },
    {
      name: 'unknown client',
      inputs: { 'client-id': 'binarly-nobody', 'client-secret': 'x' },
      message:
        /HTTP 401 invalid_client: "Invalid client or Invalid client credentials"\. Client "binarly-nobody" is unknown or disabled in this realm/
    },
    {
      name: 'disabled client',
      inputs: { 'client-id': 'binarly-disabled', 'client-secret': 'disabled-secret' },
      message:
        /HTTP 401 invalid_client: .*Client "binarly-disabled" is unknown or disabled in this realm.*that the client is Enabled/
    },
    {
      name: 'service accounts off',
      inputs: { 'client-id': 'binarly-no-sa', 'client-secret': 'no-sa-secret' },
      message: /"Client not enabled to retrieve service account"\. .*check "Service accounts roles"/
    },
    {
      name: 'public client',
      inputs: { 'client-id': 'binarly-public', 'client-secret': 'anything' },
      message: /"Public client not allowed to retrieve service account"\. .*turn "Client authentication" on/
    },
    {
      name: 'wrong realm in the token URL',
      inputs: {
        'auth-url': 'REALM:Nope/protocol/openid-connect/token',
        'client-id': PLAIN.id,
        'client-secret': PLAIN.secret
      },
      message:
        /HTTP 404 Realm does not exist\. The realm in auth-url does not exist on this server: Binarly's realm is BinarlyRealm/
    },
    {
      name: 'wrong realm in the realm URL',
      inputs: { 'auth-url': 'REALM:binarlyrealm', 'client-id': PLAIN.id, 'client-secret': PLAIN.secret },
      message:
        /OpenID discovery at .*\/realms\/binarlyrealm\/\.well-known\/openid-configuration failed: HTTP 404.*realm name is case-sensitive/
    },
    {
      name: 'the token URL under /auth, as before Keycloak 17',
      inputs: {
        'auth-url': 'AUTH:BinarlyRealm/protocol/openid-connect/token',
        'client-id': PLAIN.id,
        'client-secret': PLAIN.secret
      },
      message:
        /failed: HTTP 404 Unable to find matching target resource method\. Keycloak serves nothing at this path\. auth-url has \/auth before \/realms, the path of Keycloak before version 17: remove \/auth/
    },
    {
      name: 'the realm URL under /auth',
      inputs: { 'auth-url': 'AUTH:BinarlyRealm', 'client-id': PLAIN.id, 'client-secret': PLAIN.secret },
      message:
        /OpenID discovery at .*\/auth\/realms\/BinarlyRealm\/\.well-known\/openid-configuration failed: HTTP 404, .*auth-url has \/auth before \/realms, the path of Keycloak before version 17: remove \/auth/
    },
    {
      name: 'a scope the client does not have',
      inputs: { 'client-id': CI.id, 'client-secret': CI.secret, scope: 'binarly:nope' },
      message:
        /HTTP 400 invalid_scope: "Invalid scopes: binarly:nope"\. The scope "binarly:nope" is not available to client "binarly-ci"/
    }
  ]
  for (const { name, inputs, message } of cases) {
    test(name, async () => {
      const authUrl = (inputs['auth-url'] ?? kc.tokenEndpoint)
        .replace('REALM:', `${kc.baseUrl}/realms/`)
        .replace('AUTH:', `${kc.baseUrl}/auth/realms/`)
      const result = await runStep('main', { ...inputs, 'auth-url': authUrl })
      assert.equal(result.code, 1, result.stdout)
      assert.equal(result.errors.length, 1, result.stdout)
      assert.match(result.errors[0] ?? '', message)
      assert.ok(!/\n\s+at /.test(result.stdout + result.stderr), 'no stack trace')
      assertNowhere(
        result,
        [inputs['client-secret'] ?? '', CI.secret, PLAIN.secret].filter(s => s.length > 3)
      )
      assert.equal(result.files.output, '', 'no outputs on failure')
      assert.equal(result.files.env, '', 'no env export on failure')
    })
  }
})
