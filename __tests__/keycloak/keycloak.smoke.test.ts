/**
 * Smoke test of the Keycloak harness (scripts/keycloak.mjs) and the test realm (realm-binarly.json), with plain
 * fetch: what the action's end-to-end tests rely on, and Keycloak's exact answers to the failures the action maps
 * to messages (printed as diagnostics, so a new Keycloak version that changes them shows up here first).
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { startKeycloak, type Keycloak } from '../../scripts/keycloak.mjs'

const CI_SECRET = 'p%a+s:s w&ord-ü-=/?#'
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

let kc: Keycloak
before(async () => {
  kc = await startKeycloak()
})
after(() => kc.stop())

interface Answer {
  status: number
  body: Record<string, unknown>
}

/** POSTs a form; the answer's JSON body ({} when empty). */
async function post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', headers, body: new URLSearchParams(form) })
  const text = await response.text()
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }
}

/** RFC 6749 2.3.1: client id and secret are each application/x-www-form-urlencoded before Base64. */
const basic = (id: string, secret: string): string => {
  const encode = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2)
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`
}

const claims = (jwt: unknown): Record<string, unknown> =>
  JSON.parse(Buffer.from(String(jwt).split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>

test('client_secret_post: a 1800 s Bearer token issued by the realm', async t => {
  const { status, body } = await post(kc.tokenEndpoint, {
    grant_type: 'client_credentials',
    client_id: 'binarly-plain',
    client_secret: 'plain-secret-123'
  })
  assert.equal(status, 200, JSON.stringify(body))
  assert.equal(body.token_type, 'Bearer')
  // exp minus Keycloak's clock when it answers: 1799 when a loaded machine crosses a second boundary in between.
  assert.ok(Number(body.expires_in) >= 1790 && Number(body.expires_in) <= 1800, `expires_in ${String(body.expires_in)}`)
  assert.equal(body.refresh_token, undefined)
  const token = claims(body.access_token)
  assert.equal(token.iss, kc.issuer)
  assert.equal(token.azp, 'binarly-plain')
  t.diagnostic(`token response keys: ${Object.keys(body).join(', ')}; access token claims: ${JSON.stringify(token)}`)
})

test('a secret with % + : space & and ü: client_secret_post and form-urlencoded client_secret_basic', async t => {
  const viaPost = await post(kc.tokenEndpoint, {
    grant_type: 'client_credentials',
    client_id: 'binarly-ci',
    client_secret: CI_SECRET
  })
  assert.equal(viaPost.status, 200, JSON.stringify(viaPost.body))
  const viaBasic = await post(
    kc.tokenEndpoint,
    { grant_type: 'client_credentials' },
    { authorization: basic('binarly-ci', CI_SECRET) }
  )
  assert.equal(viaBasic.status, 200, JSON.stringify(viaBasic.body))
  // Not encoding first (what some clients do) breaks on the "%": Keycloak URL-decodes the Basic credentials.
  const raw = `Basic ${Buffer.from(`binarly-ci:${CI_SECRET}`).toString('base64')}`
  const viaRawBasic = await post(kc.tokenEndpoint, { grant_type: 'client_credentials' }, { authorization: raw })
  t.diagnostic(`unencoded Basic: ${viaRawBasic.status} ${JSON.stringify(viaRawBasic.body)}`)
  assert.equal(viaRawBasic.status, 400)
})

test('scope: an optional client scope, and openid for an id_token', async () => {
  const form = { grant_type: 'client_credentials', client_id: 'binarly-ci', client_secret: CI_SECRET }
  const scoped = await post(kc.tokenEndpoint, { ...form, scope: 'binarly:scan' })
  assert.equal(scoped.status, 200, JSON.stringify(scoped.body))
  assert.match(String(scoped.body.scope), /(^| )binarly:scan( |$)/)
  const openid = await post(kc.tokenEndpoint, { ...form, scope: 'openid' })
  assert.equal(openid.status, 200, JSON.stringify(openid.body))
  assert.equal(claims(openid.body.id_token).iss, kc.issuer)
})

const failures: [string, () => Promise<Answer>, Answer][] = [
  [
    'wrong secret',
    () =>
      post(kc.tokenEndpoint, { grant_type: 'client_credentials', client_id: 'binarly-plain', client_secret: 'wrong' }),
    {
      status: 401,
      body: { error: 'unauthorized_client', error_description: 'Invalid client or Invalid client credentials' }
    }
  ],
  [
    'wrong secret (Basic)',
    () =>
      post(kc.tokenEndpoint, { grant_type: 'client_credentials' }, { authorization: basic('binarly-plain', 'wrong') }),
    {
      status: 401,
      body: { error: 'unauthorized_client', error_description: 'Invalid client or Invalid client credentials' }
    }
  ],
  [
    'unknown client',
    () => post(kc.tokenEndpoint, { grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'x' }),
    {
      status: 401,
      body: { error: 'invalid_client', error_description: 'Invalid client or Invalid client credentials' }
    }
  ],
  [
    'disabled client',
    () =>
      post(kc.tokenEndpoint, {
        grant_type: 'client_credentials',
        client_id: 'binarly-disabled',
        client_secret: 'disabled-secret'
      }),
    {
      status: 401,
      body: { error: 'invalid_client', error_description: 'Invalid client or Invalid client credentials' }
    }
  ],
  [
    'service accounts off',
    () =>
      post(kc.tokenEndpoint, {
        grant_type: 'client_credentials',
        client_id: 'binarly-no-sa',
        client_secret: 'no-sa-secret'
      }),
    {
      status: 401,
      body: { error: 'unauthorized_client', error_description: 'Client not enabled to retrieve service account' }
    }
  ],
  [
    'public client',
    () => post(kc.tokenEndpoint, { grant_type: 'client_credentials', client_id: 'binarly-public' }),
    {
      status: 401,
      body: { error: 'unauthorized_client', error_description: 'Public client not allowed to retrieve service account' }
    }
  ],
  [
    'unknown realm',
    () =>
      post(`${kc.baseUrl}/realms/Nope/protocol/openid-connect/token`, {
        grant_type: 'client_credentials',
        client_id: 'binarly-plain',
        client_secret: 'plain-secret-123'
      }),
    { status: 404, body: { error: 'Realm does not exist' } }
  ],
  [
    'scope the client does not have',
    () =>
      post(kc.tokenEndpoint, {
        grant_type: 'client_credentials',
        client_id: 'binarly-ci',
        client_secret: CI_SECRET,
        scope: 'binarly:nope'
      }),
    { status: 400, body: { error: 'invalid_scope', error_description: 'Invalid scopes: binarly:nope' } }
  ]
]
for (const [name, request, expected] of failures) {
  test(`refused: ${name}`, async t => {
    const answer = await request()
    t.diagnostic(`${answer.status} ${JSON.stringify(answer.body)}`)
    assert.deepEqual(answer, expected)
  })
}

test('introspection (by the introspector client) and RFC 7009 revocation', async t => {
  const client = { client_id: 'binarly-ci', client_secret: CI_SECRET }
  const issued = await post(kc.tokenEndpoint, { grant_type: 'client_credentials', ...client })
  const token = String(issued.body.access_token)
  const introspect = () =>
    post(kc.introspectionEndpoint, { token, client_id: 'introspector', client_secret: 'introspector-secret' })

  const before = await introspect()
  t.diagnostic(`introspection: ${before.status} ${JSON.stringify(before.body)}`)
  assert.equal(before.status, 200)
  assert.equal(before.body.active, true)
  assert.equal(before.body.client_id, 'binarly-ci')

  const revoked = await post(kc.revocationEndpoint, { token, token_type_hint: 'access_token', ...client })
  t.diagnostic(`revocation: ${revoked.status} ${JSON.stringify(revoked.body)}`)
  assert.equal(revoked.status, 200)

  const afterRevocation = await introspect()
  t.diagnostic(`introspection after revocation: ${afterRevocation.status} ${JSON.stringify(afterRevocation.body)}`)
  assert.deepEqual(afterRevocation, { status: 200, body: { active: false } })
})

test('client-jwt with keys set through the admin API, and client-secret-jwt', async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256')
  await kc.setClientJwks('binarly-jwt', {
    keys: [{ ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' }]
  })
  const assertion = (clientId: string) =>
    new SignJWT({})
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(kc.issuer)
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime('1m')
  const jwt = await post(kc.tokenEndpoint, {
    grant_type: 'client_credentials',
    client_assertion_type: JWT_BEARER,
    client_assertion: await assertion('binarly-jwt')
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
      .sign(privateKey)
  })
  assert.equal(jwt.status, 200, JSON.stringify(jwt.body))

  const secret = new TextEncoder().encode('secret-jwt-secret-0123456789abcdef0123456789abcdef')
  const secretJwt = await post(kc.tokenEndpoint, {
    grant_type: 'client_credentials',
    client_assertion_type: JWT_BEARER,
    client_assertion: await assertion('binarly-secret-jwt').setProtectedHeader({ alg: 'HS256' }).sign(secret)
  })
  assert.equal(secretJwt.status, 200, JSON.stringify(secretJwt.body))
})

test('the /auth/realms/… path of Keycloak before 17: 404 with one JSON error, no description', async () => {
  const legacy = kc.tokenEndpoint.replace('/realms/', '/auth/realms/')
  const response = await fetch(legacy, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials' })
  })
  assert.equal(response.status, 404)
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/)
  assert.equal(await response.text(), '{"error":"Unable to find matching target resource method"}')
  const discovery = await fetch(`${kc.issuer.replace('/realms/', '/auth/realms/')}/.well-known/openid-configuration`)
  assert.equal(discovery.status, 404)
  assert.equal(await discovery.text(), '{"error":"Unable to find matching target resource method"}')
})
