/**
 * Signed-JWT client authentication (private_key_jwt, client_secret_jwt), run the way the runner runs the
 * main bundle, against oidc-provider: it verifies each assertion with the client's registered key, checks
 * aud and refuses a jti it has seen. The log of the server keeps the assertion's decoded header and claims.
 */
import assert from 'node:assert/strict'
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { ClientMetadata } from 'oidc-provider'
import { assertMaskedFirst, assertNowhere } from '../support/leaks.ts'
import {
  CLIENTS,
  decodeAssertion,
  startOidcServer,
  type OidcServer,
  type RequestRecord
} from '../support/oidc-server.ts'
import { runStep, type StepResult } from '../support/runner.ts'

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const ed = generateKeyPairSync('ed25519')
/** Registered nowhere: signs assertions no server accepts. */
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 })

const pkcs8 = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }).toString()

/** private_key_jwt clients, each holding the public JWK of one key. */
const KEY_CLIENTS = {
  rsa: { id: 'ci-pk-rsa', kid: 'rsa-1', key: rsa },
  ec: { id: 'ci-pk-ec', kid: 'ec-1', key: ec },
  ed: { id: 'ci-pk-ed', kid: 'ed-1', key: ed }
} as const

function keyClient(client: (typeof KEY_CLIENTS)[keyof typeof KEY_CLIENTS]): ClientMetadata {
  const jwk = { ...client.key.publicKey.export({ format: 'jwk' }), kid: client.kid, use: 'sig' }
  return {
    client_id: client.id,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: [jwk] }
  }
}

/** Every piece of a PEM key that must never be printed: the whole text and each base64 line. */
function keyForms(pem: string): string[] {
  return [pem, ...pem.split('\n').filter(line => line.length >= 16 && !line.startsWith('-----'))]
}

let server: OidcServer
let dir: string
before(async () => {
  server = await startOidcServer({ clients: Object.values(KEY_CLIENTS).map(keyClient) })
  dir = mkdtempSync(join(tmpdir(), 'binarly-jwt-'))
})
after(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

/** The token requests a step made, from the server's log. */
async function exchange(inputs: Record<string, string>): Promise<{ result: StepResult; sent: RequestRecord[] }> {
  const from = server.tokenRequests().length
  const result = await runStep('main', { 'auth-url': server.tokenEndpoint, ...inputs })
  return { result, sent: server.tokenRequests().slice(from) }
}

/** The assertion the step masked whose jti the server saw: proof it was masked, and its exact text. */
function maskedAssertion(result: StepResult, record: RequestRecord | undefined): string {
  const jti = record?.assertion?.claims.jti
  assert.ok(typeof jti === 'string' && jti.length >= 16, 'the assertion has a random jti')
  const assertion = result.masks.find(mask => decodeAssertion(mask)?.claims.jti === jti)
  assert.ok(assertion, 'the assertion was masked (::add-mask::) before it was sent')
  return assertion
}

/** RFC 7523 §3 claims, as Keycloak checks them. */
function assertClaims(record: RequestRecord | undefined, clientId: string, header: Record<string, unknown>): void {
  assert.ok(record?.assertion, 'the request carried a client_assertion')
  const { claims } = record.assertion
  assert.deepEqual(record.assertion.header, { typ: 'JWT', ...header })
  assert.equal(claims.iss, clientId)
  assert.equal(claims.sub, clientId)
  assert.equal(claims.aud, server.tokenEndpoint)
  assert.equal(typeof claims.iat, 'number')
  assert.ok(Math.abs((claims.iat as number) - Date.now() / 1000) < 30, 'iat is now')
  assert.ok((claims.exp as number) - (claims.iat as number) <= 60, 'valid for at most 60 s')
  assert.ok((claims.exp as number) > (claims.iat as number))
  assert.deepEqual(record.fields, ['client_assertion', 'client_assertion_type', 'client_id', 'grant_type'])
  assert.equal(record.values.client_assertion_type, 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
  assert.equal(record.values.client_id, clientId)
  assert.equal(record.authorization, undefined)
}

/** A successful exchange: outputs, a token the server knows for this client, masking, no leak. */
async function assertAuthenticated(
  result: StepResult,
  sent: RequestRecord[],
  clientId: string,
  secrets: string[]
): Promise<void> {
  assert.equal(result.code, 0, result.stdout + result.stderr)
  assert.equal(sent.length, 1)
  assert.equal(sent[0]?.status, 200)
  const token = result.outputs['access-token'] ?? ''
  assert.equal(result.env.BINARLY_ACCESS_TOKEN, token)
  const introspection = await server.introspect(token)
  assert.equal(introspection.active, true)
  assert.equal(introspection.client_id, clientId)
  assertMaskedFirst(result, token)
  assertMaskedFirst(result, maskedAssertion(result, sent[0]))
  assertNowhere(result, secrets)
}

describe('private_key_jwt against oidc-provider', () => {
  const cases = [
    {
      name: 'RS256, PKCS#8 PEM, with private-key-id',
      client: KEY_CLIENTS.rsa,
      pem: pkcs8(rsa.privateKey),
      alg: undefined,
      kid: true
    },
    {
      name: 'RS256, PKCS#1 PEM ("BEGIN RSA PRIVATE KEY"), without private-key-id',
      client: KEY_CLIENTS.rsa,
      pem: rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      alg: undefined,
      kid: false
    },
    { name: 'PS256', client: KEY_CLIENTS.rsa, pem: pkcs8(rsa.privateKey), alg: 'PS256', kid: true },
    {
      name: 'ES256, SEC1 PEM ("BEGIN EC PRIVATE KEY"), with private-key-id',
      client: KEY_CLIENTS.ec,
      pem: ec.privateKey.export({ type: 'sec1', format: 'pem' }).toString(),
      alg: 'ES256',
      kid: true
    },
    {
      name: 'ES256, PKCS#8, without private-key-id',
      client: KEY_CLIENTS.ec,
      pem: pkcs8(ec.privateKey),
      alg: 'es256',
      kid: false
    },
    { name: 'EdDSA (Ed25519)', client: KEY_CLIENTS.ed, pem: pkcs8(ed.privateKey), alg: 'EdDSA', kid: true }
  ]
  for (const c of cases) {
    test(c.name, async () => {
      const { result, sent } = await exchange({
        'client-id': c.client.id,
        'auth-method': 'private_key_jwt',
        'private-key': c.pem,
        ...(c.alg ? { 'signing-algorithm': c.alg } : {}),
        ...(c.kid ? { 'private-key-id': c.client.kid } : {})
      })
      await assertAuthenticated(result, sent, c.client.id, keyForms(c.pem))
      const alg = c.alg === 'es256' ? 'ES256' : (c.alg ?? 'RS256')
      assertClaims(sent[0], c.client.id, c.kid ? { alg, kid: c.client.kid } : { alg })
    })
  }

  test('private-key as a path to a PEM file', async () => {
    const pem = pkcs8(rsa.privateKey)
    const path = join(dir, 'client-key.pem')
    writeFileSync(path, pem, { mode: 0o600 })
    const { result, sent } = await exchange({
      'client-id': KEY_CLIENTS.rsa.id,
      'auth-method': 'private_key_jwt',
      'private-key': path
    })
    await assertAuthenticated(result, sent, KEY_CLIENTS.rsa.id, keyForms(pem))
    assertClaims(sent[0], KEY_CLIENTS.rsa.id, { alg: 'RS256' })
  })

  test('a key the client does not hold fails with what to check in Keycloak, and prints no key', async () => {
    const pem = pkcs8(stranger.privateKey)
    const { result, sent } = await exchange({
      'client-id': KEY_CLIENTS.rsa.id,
      'auth-method': 'private_key_jwt',
      'private-key': pem
    })
    assert.equal(result.code, 1)
    assert.equal(sent.length, 1, 'an authentication failure is not retried')
    assert.equal(result.errors.length, 1)
    assert.match(result.errors[0] ?? '', /HTTP 401 invalid_client/)
    assert.match(result.errors[0] ?? '', /private-key is not the key whose public key the client holds/)
    assert.match(
      result.errors[0] ?? '',
      /Client Authenticator "Signed JWT", and the Keys tab the public key of private-key/
    )
    assertNowhere(result, keyForms(pem))
    assertNowhere(result, [maskedAssertion(result, sent[0])], 'assertion')
  })

  for (const [alg, pem, kind, fits] of [
    ['ES256', pkcs8(rsa.privateKey), 'RSA', 'RS256, RS384, RS512, PS256, PS384 or PS512'],
    ['RS256', pkcs8(ec.privateKey), 'EC P-256', 'ES256'],
    ['ES384', pkcs8(ec.privateKey), 'EC P-256', 'ES256'],
    ['EdDSA', pkcs8(rsa.privateKey), 'RSA', 'RS256, RS384, RS512, PS256, PS384 or PS512']
  ] as const) {
    test(`signing-algorithm ${alg} with an ${kind} key fails as an input error before any request`, async () => {
      const from = server.requests.length
      // The issuer URL would need discovery: no request at all may reach the server.
      const result = await runStep('main', {
        'auth-url': server.issuer,
        'client-id': KEY_CLIENTS.rsa.id,
        'auth-method': 'private_key_jwt',
        'private-key': pem,
        'signing-algorithm': alg
      })
      assert.equal(result.code, 1)
      assert.equal(server.requests.length, from, 'no request was made')
      assert.equal(result.errors.length, 1)
      const error = result.errors[0] ?? ''
      assert.match(error, new RegExp(`signing-algorithm: ${alg} cannot sign with this ${kind} private key`))
      assert.ok(error.includes(`set signing-algorithm to ${fits} for this key`), error)
      assertNowhere(result, keyForms(pem))
    })
  }

  test('every attempt signs a fresh assertion: retries after 503 carry new jtis', async () => {
    const pem = pkcs8(ec.privateKey)
    server.failNextTokenRequests(2)
    const { result, sent } = await exchange({
      'client-id': KEY_CLIENTS.ec.id,
      'auth-method': 'private_key_jwt',
      'private-key': pem,
      'signing-algorithm': 'ES256',
      retries: '2'
    })
    assert.equal(result.code, 0, result.stdout + result.stderr)
    assert.deepEqual(
      sent.map(r => r.status),
      [503, 503, 200]
    )
    const jtis = sent.map(r => r.assertion?.claims.jti)
    assert.equal(new Set(jtis).size, 3, 'three attempts, three jtis')
    for (const record of sent) {
      assertClaims(record, KEY_CLIENTS.ec.id, { alg: 'ES256' })
      assertMaskedFirst(result, maskedAssertion(result, record))
    }
    assertMaskedFirst(result, result.outputs['access-token'] ?? '')
    assertNowhere(result, keyForms(pem))
  })
})

describe('client_secret_jwt against oidc-provider', () => {
  test('HS256 with the client secret', async () => {
    const { result, sent } = await exchange({
      'client-id': CLIENTS.secretJwt.id,
      'client-secret': CLIENTS.secretJwt.secret,
      'auth-method': 'client_secret_jwt'
    })
    await assertAuthenticated(result, sent, CLIENTS.secretJwt.id, [CLIENTS.secretJwt.secret])
    assertClaims(sent[0], CLIENTS.secretJwt.id, { alg: 'HS256' })
  })

  test('a wrong secret fails with the fix, and prints neither secret nor assertion', async () => {
    const wrong = 'not-the-secret-0123456789abcdef0123456789abcdef'
    const { result, sent } = await exchange({
      'client-id': CLIENTS.secretJwt.id,
      'client-secret': wrong,
      'auth-method': 'client_secret_jwt'
    })
    assert.equal(result.code, 1)
    assert.equal(sent.length, 1)
    assert.match(result.errors[0] ?? '', /HTTP 401 invalid_client/)
    assert.match(result.errors[0] ?? '', /copy the secret again/)
    assertNowhere(result, [wrong])
    assertNowhere(result, [maskedAssertion(result, sent[0])], 'assertion')
  })
})
