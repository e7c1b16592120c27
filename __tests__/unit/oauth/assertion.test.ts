import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { describe, test } from 'node:test'
import { decodeProtectedHeader, jwtVerify } from 'jose'
import { checkSigningKey, signClientAssertion } from '../../../src/oauth/assertion.ts'
import { InputError } from '../../../src/common/errors.ts'

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const pem = (key: import('node:crypto').KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }).toString()
const ENDPOINT = 'https://kc.example.com/realms/BinarlyRealm/protocol/openid-connect/token'
const NOW = Date.UTC(2026, 0, 2, 3, 4, 5, 678)

describe('signClientAssertion', () => {
  test('private_key_jwt: RFC 7523 claims, verified with the public key', async () => {
    const auth = {
      method: 'private_key_jwt',
      privateKey: pem(rsa.privateKey),
      keyId: 'k1',
      algorithm: 'RS256'
    } as const
    const jwt = await signClientAssertion(auth, 'ci', ENDPOINT, NOW)
    const { payload, protectedHeader } = await jwtVerify(jwt, rsa.publicKey, {
      issuer: 'ci',
      subject: 'ci',
      audience: ENDPOINT,
      currentDate: new Date(NOW)
    })
    assert.deepEqual(protectedHeader, { alg: 'RS256', typ: 'JWT', kid: 'k1' })
    assert.equal(payload.iat, Math.floor(NOW / 1000))
    assert.equal(payload.exp, Math.floor(NOW / 1000) + 60, "Keycloak's default maximum age")
    assert.match(String(payload.jti), /^[0-9a-f-]{36}$/)
  })

  test('a fresh jti every time; no kid without private-key-id', async () => {
    const auth = {
      method: 'private_key_jwt',
      privateKey: pem(ec.privateKey),
      keyId: undefined,
      algorithm: 'ES256'
    } as const
    const [a, b] = await Promise.all([
      signClientAssertion(auth, 'ci', ENDPOINT, NOW),
      signClientAssertion(auth, 'ci', ENDPOINT, NOW)
    ])
    assert.deepEqual(decodeProtectedHeader(a), { alg: 'ES256', typ: 'JWT' })
    const jti = async (jwt: string): Promise<unknown> =>
      (await jwtVerify(jwt, ec.publicKey, { currentDate: new Date(NOW) })).payload.jti
    assert.notEqual(await jti(a), await jti(b))
  })

  test('client_secret_jwt: HMAC with the secret as UTF-8 bytes', async () => {
    const secret = 'sécret-0123456789abcdef0123456789abcdef'
    const jwt = await signClientAssertion(
      { method: 'client_secret_jwt', clientSecret: secret, algorithm: 'HS512' },
      'ci',
      ENDPOINT,
      NOW
    )
    const { protectedHeader } = await jwtVerify(jwt, new TextEncoder().encode(secret), { currentDate: new Date(NOW) })
    assert.equal(protectedHeader.alg, 'HS512')
  })
})

describe('checkSigningKey: what fails before any request', () => {
  const check = (privateKey: string, algorithm: 'RS256' | 'ES256' | 'ES384' | 'EdDSA'): Promise<void> =>
    checkSigningKey({ method: 'private_key_jwt', privateKey, keyId: undefined, algorithm })

  test('a key that fits passes', async () => {
    await check(pem(rsa.privateKey), 'RS256')
    await check(pem(ec.privateKey), 'ES256')
  })

  test('an algorithm that does not fit names the ones that do', async () => {
    await assert.rejects(check(pem(ec.privateKey), 'ES384'), (error: unknown) => {
      assert.ok(error instanceof InputError)
      assert.equal(error.input, 'signing-algorithm')
      assert.match(
        error.message,
        /^signing-algorithm: ES384 cannot sign with this EC P-256 private key \(.+\): set signing-algorithm to ES256 for this key/
      )
      return true
    })
    await assert.rejects(
      check(pem(rsa.privateKey), 'EdDSA'),
      /set signing-algorithm to RS256, RS384, RS512, PS256, PS384 or PS512/
    )
  })

  test('a key no algorithm fits (EC secp256k1, X25519) says which keys to use', async () => {
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey
    await assert.rejects(
      check(pem(k1), 'ES256'),
      /^InputError: signing-algorithm: ES256 cannot sign with this EC secp256k1 private key \(.+\): use an RSA, EC \(P-256, P-384, P-521\) or Ed25519 key, and configure the same algorithm on the client in Keycloak\.$/
    )
    const x25519 = generateKeyPairSync('x25519').privateKey
    await assert.rejects(
      check(pem(x25519), 'EdDSA'),
      /^InputError: signing-algorithm: EdDSA cannot sign with this X25519 private key \(.+\): use an RSA, EC/
    )
  })

  test('client_secret_jwt: a secret the algorithm cannot use fails on client-secret', async () => {
    // readConfig refuses an empty client-secret first; this is the signer's own guard.
    await assert.rejects(
      signClientAssertion({ method: 'client_secret_jwt', clientSecret: '', algorithm: 'HS256' }, 'ci', ENDPOINT, NOW),
      (error: unknown) => {
        assert.ok(error instanceof InputError)
        assert.equal(
          error.message,
          'client-secret: cannot sign a HS256 client assertion (Zero-length key is not supported).'
        )
        return true
      }
    )
  })

  test('an RSA key under 2048 bits asks for a bigger one', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey
    await assert.rejects(check(pem(small), 'RS256'), /generate an RSA key of at least 2048 bits/)
  })

  test('unreadable and encrypted keys fail on private-key, without quoting it', async () => {
    const garbage = '-----BEGIN PRIVATE KEY-----\nbm90LWEta2V5LWF0LWFsbC0wMTIzNDU2Nzg5\n-----END PRIVATE KEY-----'
    await assert.rejects(check(garbage, 'RS256'), (error: unknown) => {
      assert.ok(error instanceof InputError)
      assert.equal(error.input, 'private-key')
      assert.match(error.message, /is not a PEM private key Node can read/)
      assert.ok(!error.message.includes('bm90LWEta2V5'))
      return true
    })
    const encrypted = rsa.privateKey
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pass-phrase' })
      .toString()
    await assert.rejects(
      check(encrypted, 'RS256'),
      /is an encrypted PEM key: decrypt it \(openssl pkey -in key.pem -out plain.pem\)/
    )
    const legacy = rsa.privateKey
      .export({ type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pass-phrase' })
      .toString()
    await assert.rejects(check(legacy, 'RS256'), /is an encrypted PEM key/)
  })
})
