/**
 * Signed-JWT client authentication and GitHub OIDC federation against a real Keycloak, run the way the
 * runner runs the main bundle.
 * - private_key_jwt: client binarly-jwt ("Signed JWT", client-jwt) holds the public JWKS of keys this test
 *   generates; client_secret_jwt: client binarly-secret-jwt.
 * - github_oidc: the loopback stand-in for GitHub's OIDC service is registered as an OpenID Connect identity
 *   provider with "Supports client assertions", and client binarly-github uses "Signed JWT - Federated"
 *   (federated-jwt) with that provider and the workflow's sub as its "Federated subject".
 */
import assert from 'node:assert/strict'
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { after, before, beforeEach, describe, test } from 'node:test'
import { startKeycloak } from '../../scripts/keycloak.mjs'
import { startGitHubOidc, SUBJECT, type GitHubOidc } from '../support/github-oidc.ts'
import { assertMaskedFirst, assertNowhere } from '../support/leaks.ts'
import { runStep, type StepResult } from '../support/runner.ts'

type Keycloak = Awaited<ReturnType<typeof startKeycloak>>

const JWT_CLIENT = 'binarly-jwt'
const SECRET_JWT = { id: 'binarly-secret-jwt', secret: 'secret-jwt-secret-0123456789abcdef0123456789abcdef' }
const GITHUB_CLIENT = 'binarly-github'
/** A second federated client, for another subject (a job with environment: prod). */
const PROD_CLIENT = { id: 'binarly-github-prod', sub: 'repo:binarly-io/firmware-pipeline:environment:prod' }
const IDP_ALIAS = 'github-actions'

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const pkcs8 = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }).toString()
const publicJwk = (key: KeyObject, kid: string, alg: string): object => ({
  ...key.export({ format: 'jwk' }),
  kid,
  alg,
  use: 'sig'
})

let kc: Keycloak
let github: GitHubOidc
const cleanups: (() => Promise<void>)[] = []
before(async () => {
  github = await startGitHubOidc()
  cleanups.push(() => github.close())
  kc = await startKeycloak()
  cleanups.push(() => kc.stop())
  await kc.setClientJwks(JWT_CLIENT, {
    keys: [publicJwk(rsa.publicKey, 'rsa-1', 'RS256'), publicJwk(ec.publicKey, 'ec-1', 'ES256')]
  })
  // What docs/client-authentication.md tells an administrator to set up for GitHub.
  await kc.adminRequest('POST', '/identity-provider/instances', {
    alias: IDP_ALIAS,
    displayName: 'GitHub Actions',
    providerId: 'oidc',
    enabled: true,
    hideOnLogin: true,
    config: {
      issuer: github.issuer,
      useJwksUrl: 'true',
      jwksUrl: `${github.issuer}/.well-known/jwks`,
      validateSignature: 'true',
      supportsClientAssertions: 'true'
    }
  })
  await kc.adminRequest('POST', '/clients', {
    clientId: GITHUB_CLIENT,
    enabled: true,
    publicClient: false,
    serviceAccountsEnabled: true,
    standardFlowEnabled: false,
    directAccessGrantsEnabled: false,
    clientAuthenticatorType: 'federated-jwt',
    attributes: { 'jwt.credential.issuer': IDP_ALIAS, 'jwt.credential.sub': SUBJECT }
  })
  await kc.adminRequest('POST', '/clients', {
    clientId: PROD_CLIENT.id,
    enabled: true,
    publicClient: false,
    serviceAccountsEnabled: true,
    standardFlowEnabled: false,
    directAccessGrantsEnabled: false,
    clientAuthenticatorType: 'federated-jwt',
    attributes: { 'jwt.credential.issuer': IDP_ALIAS, 'jwt.credential.sub': PROD_CLIENT.sub }
  })
})
after(async () => {
  await Promise.all(cleanups.map(cleanup => cleanup()))
})

async function introspect(token: string): Promise<Record<string, unknown>> {
  const response = await fetch(kc.introspectionEndpoint, {
    method: 'POST',
    body: new URLSearchParams({ token, client_id: 'introspector', client_secret: 'introspector-secret' })
  })
  assert.equal(response.status, 200)
  return (await response.json()) as Record<string, unknown>
}

/** The claims of Keycloak's access token (a JWT), decoded. */
function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
}

/** The step got a token Keycloak issued to `clientId`; the token and the assertions were masked first. */
function assertIssuedTo(result: StepResult, clientId: string): void {
  assert.equal(result.code, 0, result.stdout + result.stderr)
  const token = result.outputs['access-token'] ?? ''
  assert.equal(claimsOf(token).azp, clientId)
  assert.equal(claimsOf(token).iss, kc.issuer)
  assert.equal(result.env.BINARLY_ACCESS_TOKEN, token)
  assertMaskedFirst(result, token)
  const assertions = result.masks.filter(mask => mask.split('.').length === 3 && mask !== token)
  assert.ok(assertions.length >= 1, 'the client assertion was masked')
  for (const assertion of assertions) assertMaskedFirst(result, assertion)
}

describe('signed-JWT client authentication at Keycloak', () => {
  for (const [alg, key, kid] of [
    ['RS256', rsa.privateKey, 'rsa-1'],
    ['ES256', ec.privateKey, 'ec-1'],
    ['ES256', ec.privateKey, undefined]
  ] as const) {
    test(`private_key_jwt ${alg} ${kid ? `with private-key-id ${kid}` : 'without private-key-id'}`, async () => {
      const pem = pkcs8(key)
      const result = await runStep('main', {
        'auth-url': kc.tokenEndpoint,
        'client-id': JWT_CLIENT,
        'auth-method': 'private_key_jwt',
        'private-key': pem,
        ...(kid ? { 'private-key-id': kid } : {}),
        'signing-algorithm': alg
      })
      assertIssuedTo(result, JWT_CLIENT)
      assertNowhere(result, [pem])
    })
  }

  test('private_key_jwt with a key the client does not hold fails with what to check', async () => {
    const pem = pkcs8(stranger.privateKey)
    const result = await runStep('main', {
      'auth-url': kc.tokenEndpoint,
      'client-id': JWT_CLIENT,
      'auth-method': 'private_key_jwt',
      'private-key': pem,
      'private-key-id': 'ec-1',
      'signing-algorithm': 'ES256'
    })
    assert.equal(result.code, 1)
    assert.equal(result.errors.length, 1)
    assert.match(result.errors[0] ?? '', /HTTP 400 invalid_client: ".*Signature on JWT token failed validation"/)
    assert.match(result.errors[0] ?? '', /private-key is not the key whose public key the client holds/)
    assertNowhere(result, [pem])
  })

  test('private_key_jwt with a private-key-id the client does not know fails with what to check', async () => {
    const pem = pkcs8(rsa.privateKey)
    const result = await runStep('main', {
      'auth-url': kc.tokenEndpoint,
      'client-id': JWT_CLIENT,
      'auth-method': 'private_key_jwt',
      'private-key': pem,
      'private-key-id': 'rsa-2'
    })
    assert.equal(result.code, 1)
    assert.match(result.errors[0] ?? '', /HTTP 400 invalid_client: "Unable to load public key"/)
    assert.match(result.errors[0] ?? '', /private-key-id, when set, must be that key's kid/)
    assertNowhere(result, [pem])
  })

  test('client_secret_jwt HS256', async () => {
    const result = await runStep('main', {
      'auth-url': kc.tokenEndpoint,
      'client-id': SECRET_JWT.id,
      'client-secret': SECRET_JWT.secret,
      'auth-method': 'client_secret_jwt'
    })
    assertIssuedTo(result, SECRET_JWT.id)
    assertNowhere(result, [SECRET_JWT.secret])
  })
})

describe('github_oidc federated into Keycloak', () => {
  beforeEach(() => github.configure({}))

  async function run(inputs: Record<string, string> = {}, env: Record<string, string | undefined> = github.env) {
    const from = { asked: github.requests.length, issued: github.issued.length }
    const result = await runStep(
      'main',
      { 'auth-url': kc.tokenEndpoint, 'client-id': GITHUB_CLIENT, 'auth-method': 'github_oidc', ...inputs },
      { env }
    )
    const issued = github.issued.slice(from.issued)
    for (const token of issued) assertMaskedFirst(result, token)
    assertNowhere(result, [github.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN], 'ACTIONS_ID_TOKEN_REQUEST_TOKEN')
    return { result, asked: github.requests.slice(from.asked), issued }
  }

  test('a token with no secret stored anywhere; the audience is the realm issuer from auth-url', async () => {
    const { result, asked } = await run()
    assertIssuedTo(result, GITHUB_CLIENT)
    assert.deepEqual(
      asked.map(a => a.audience),
      [kc.issuer]
    )
  })

  test('the realm URL as auth-url: the audience is the issuer from discovery', async () => {
    const { result, asked } = await run({ 'auth-url': kc.realmUrl })
    assertIssuedTo(result, GITHUB_CLIENT)
    assert.deepEqual(
      asked.map(a => a.audience),
      [kc.issuer]
    )
  })

  test('a workflow whose sub is not the federated subject is refused, with what to configure', async () => {
    github.configure({ sub: 'repo:binarly-io/firmware-pipeline:pull_request' })
    const { result } = await run()
    assert.equal(result.code, 1)
    assert.match(result.errors[0] ?? '', /HTTP 401 invalid_client/)
    // The iss, sub and aud of the token presented, and which Keycloak setting must equal which.
    assert.ok(
      result.errors[0]?.includes(
        `the token presented has iss "${github.issuer}", sub "repo:binarly-io/firmware-pipeline:pull_request", aud "${kc.issuer}". In Keycloak these must match it: an identity provider whose Issuer is "${github.issuer}"`
      ),
      result.errors[0]
    )
    assert.match(
      result.errors[0] ?? '',
      /"Federated subject" \(jwt\.credential\.sub\) equal to "repo:binarly-io\/firmware-pipeline:pull_request" exactly/
    )
  })

  test("client-id names another federated client than the one GitHub's sub belongs to: refused, both named, revoked", async () => {
    const { result } = await run({ 'client-id': PROD_CLIENT.id })
    assert.equal(result.code, 1)
    assert.equal(result.errors.length, 1)
    assert.match(
      result.errors[0] ?? '',
      /github_oidc: Keycloak issued the token to client "binarly-github" \(its azp\), not to client-id "binarly-github-prod", so it is not handed out\..*Set client-id to "binarly-github" if that is the client meant.* It was revoked at once\.$/
    )
    assert.equal(result.files.output, '', 'no outputs')
    assert.equal(result.files.env, '', 'no env export')
    // Keycloak did issue binarly-github's token: masked first, then revoked by the step.
    const [refused] = result.masks.filter(mask => mask.split('.').length === 3 && claimsOf(mask).iss === kc.issuer)
    assert.ok(refused, 'the refused access token was masked')
    assert.equal(claimsOf(refused).azp, GITHUB_CLIENT)
    assertMaskedFirst(result, refused)
    assert.deepEqual(await introspect(refused), { active: false })
  })

  test('the post step revokes the token, authenticating with a new GitHub OIDC token', async () => {
    const { result } = await run()
    assertIssuedTo(result, GITHUB_CLIENT)
    const token = result.outputs['access-token'] ?? ''
    assert.equal((await introspect(token)).active, true)
    const from = github.issued.length
    const post = await runStep(
      'post',
      { 'auth-url': kc.tokenEndpoint, 'client-id': GITHUB_CLIENT, 'auth-method': 'github_oidc' },
      { env: github.env, state: result.state }
    )
    assert.equal(post.code, 0, post.stdout + post.stderr)
    assert.deepEqual(post.warnings, [])
    for (const assertion of github.issued.slice(from)) assertMaskedFirst(post, assertion)
    assert.deepEqual(await introspect(token), { active: false })
  })

  test('client_id = the Client ID next to the GitHub token: refused before 26.6, accepted from 26.6 on', async t => {
    // Why the action sends no client_id with github_oidc (docs/keycloak-notes.md).
    const answer = await fetch(kc.tokenEndpoint, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: GITHUB_CLIENT,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await github.mint(kc.issuer)
      })
    })
    const body = (await answer.json()) as Record<string, unknown>
    t.diagnostic(`Keycloak ${kc.version}: ${answer.status} ${body.error ? JSON.stringify(body) : 'a token'}`)
    const [major = 0, minor = 0] = kc.version.split('.').map(Number)
    if (major === 26 && minor < 6) {
      assert.equal(answer.status, 400)
      assert.deepEqual(body, {
        error: 'invalid_client',
        error_description: 'client_id parameter does not match sub claim'
      })
    } else {
      assert.equal(answer.status, 200)
      assert.equal(claimsOf(String(body.access_token)).azp, GITHUB_CLIENT)
    }
  })

  test('a token for another audience is refused, with what to set oidc-audience to', async () => {
    const { result, asked } = await run({ 'oidc-audience': 'https://kc.example.com/realms/BinarlyRealm' })
    assert.equal(result.code, 1)
    assert.deepEqual(
      asked.map(a => a.audience),
      ['https://kc.example.com/realms/BinarlyRealm']
    )
    assert.match(result.errors[0] ?? '', /"Invalid token audience"/)
    assert.match(result.errors[0] ?? '', /leave oidc-audience empty to use the realm of auth-url/)
  })

  test('an expired token is refused, with the clock hint', async () => {
    github.configure({ expired: true })
    const { result } = await run()
    assert.equal(result.code, 1)
    assert.match(result.errors[0] ?? '', /"Token is not active"/)
    assert.match(result.errors[0] ?? '', /expired or not yet valid by its clock/)
  })

  test('a replayed token (same jti) is refused, with what happened', async () => {
    const first = await run()
    assertIssuedTo(first.result, GITHUB_CLIENT)
    const [replayed] = first.issued
    assert.ok(replayed)
    github.configure({ replay: true })
    const { result } = await run()
    assert.equal(result.code, 1)
    assert.match(result.errors[0] ?? '', /"Token reuse detected"/)
    assert.match(result.errors[0] ?? '', /Keycloak has already seen GitHub's OIDC token \(its jti\)/)
    assertMaskedFirst(result, replayed)
  })

  test('the same token sent twice by hand: the second is refused (jti single use)', async () => {
    const token = await github.mint(kc.issuer)
    const send = (): Promise<Response> =>
      fetch(kc.tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: token
        })
      })
    assert.equal((await send()).status, 200)
    const second = await send()
    assert.equal(second.status, 400) // Keycloak's JWT validators answer invalid_client with 400
    assert.deepEqual(await second.json(), { error: 'invalid_client', error_description: 'Token reuse detected' })
  })

  test('without the id-token permission it fails with the fix, and GitHub is not asked', async () => {
    const { result, asked } = await run({}, {})
    assert.equal(result.code, 1)
    assert.match(result.errors[0] ?? '', /add "permissions: id-token: write" to the job/)
    assert.equal(asked.length, 0)
  })
})
