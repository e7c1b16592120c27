/**
 * Signed client assertions (RFC 7523 §3, as Keycloak's `client-jwt` and `client-secret-jwt` check them),
 * built with `jose`. Loaded only by the runs that use a JWT method.
 */
import { createPrivateKey, createSecretKey, randomUUID, type KeyObject } from 'node:crypto'
import { SignJWT } from 'jose'
import type { ClientAuth } from '../common/config.js'
import { InputError } from '../common/errors.js'

/** Keycloak rejects client assertions older than 60 s by default. */
const ASSERTION_LIFETIME_SECONDS = 60

type JwtAuth = Extract<ClientAuth, { method: 'client_secret_jwt' | 'private_key_jwt' }>

/** Which signing-algorithm values fit a private key, by its kind (see keyKind). */
const ALGORITHMS_FOR_KEY: Record<string, string> = {
  RSA: 'RS256, RS384, RS512, PS256, PS384 or PS512',
  'RSA-PSS': 'PS256, PS384 or PS512',
  'EC P-256': 'ES256',
  'EC P-384': 'ES384',
  'EC P-521': 'ES512',
  ED25519: 'EdDSA',
  ED448: 'EdDSA'
}

const CURVE_NAMES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' }

/**
 * A fresh assertion: `iss` = `sub` = the client, `aud` = where it is sent, a random `jti`, valid for
 * ASSERTION_LIFETIME_SECONDS from `nowMs`.
 */
export async function signClientAssertion(
  auth: JwtAuth,
  clientId: string,
  audience: string,
  nowMs: number
): Promise<string> {
  const iat = Math.floor(nowMs / 1000)
  const key = signingKey(auth)
  const header =
    auth.method === 'private_key_jwt' && auth.keyId
      ? { alg: auth.algorithm, typ: 'JWT', kid: auth.keyId }
      : { alg: auth.algorithm, typ: 'JWT' }
  try {
    return await new SignJWT({})
      .setProtectedHeader(header)
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(audience)
      .setJti(randomUUID())
      .setIssuedAt(iat)
      .setExpirationTime(iat + ASSERTION_LIFETIME_SECONDS)
      .sign(key)
  } catch (error) {
    // jose's reasons ("Invalid key type", "Named curve mismatch", a too short RSA modulus) name no secret.
    const reason = (error as Error).message
    if (auth.method === 'client_secret_jwt') {
      throw new InputError('client-secret', `cannot sign a ${auth.algorithm} client assertion (${reason}).`)
    }
    const kind = keyKind(key)
    const fits = ALGORITHMS_FOR_KEY[kind]
    throw new InputError(
      'signing-algorithm',
      `${auth.algorithm} cannot sign with this ${kind} private key (${reason}): ${fits ? `set signing-algorithm to ${fits} for this key` : 'use an RSA, EC (P-256, P-384, P-521) or Ed25519 key'}${/modulus/i.test(reason) ? ', or generate an RSA key of at least 2048 bits' : ''}, and configure the same algorithm on the client in Keycloak.`
    )
  }
}

/**
 * Signs one throwaway assertion, so that an unreadable key, or a signing-algorithm that does not fit it,
 * fails as an input error before any request is made.
 */
export async function checkSigningKey(auth: JwtAuth): Promise<void> {
  await signClientAssertion(auth, 'check', 'urn:binarly-m2m-auth:check', Date.now())
}

function signingKey(auth: JwtAuth): KeyObject {
  if (auth.method === 'client_secret_jwt') return createSecretKey(Buffer.from(auth.clientSecret, 'utf8'))
  try {
    return createPrivateKey(auth.privateKey)
  } catch (error) {
    /* c8 ignore next: Node's key decoders always set a code (ERR_OSSL_…); the fallback keeps the type total */
    const code = (error as NodeJS.ErrnoException).code ?? ''
    // PKCS#8 "BEGIN ENCRYPTED PRIVATE KEY", or a legacy PEM with "Proc-Type: 4,ENCRYPTED".
    const encrypted = /BEGIN ENCRYPTED PRIVATE KEY|Proc-Type:\s*4,ENCRYPTED/.test(auth.privateKey)
    throw new InputError(
      'private-key',
      encrypted
        ? 'is an encrypted PEM key: decrypt it (openssl pkey -in key.pem -out plain.pem) and pass the unencrypted PEM, kept in a repository secret.'
        : /* c8 ignore next: always a code, as above */
          `is not a PEM private key Node can read${code ? ` (${code})` : ''}: pass PKCS#8 ("BEGIN PRIVATE KEY"), PKCS#1 ("BEGIN RSA PRIVATE KEY") or SEC1 ("BEGIN EC PRIVATE KEY").`
    )
  }
}

/** "RSA", "EC P-256", "ED25519", …: the keys of ALGORITHMS_FOR_KEY. */
function keyKind(key: KeyObject): string {
  // Only private keys get here: they always have a type, and EC keys always a named curve.
  /* c8 ignore next */
  const type = (key.asymmetricKeyType ?? 'secret').toUpperCase()
  if (type !== 'EC') return type
  /* c8 ignore next */
  const curve = key.asymmetricKeyDetails?.namedCurve ?? ''
  return `EC ${CURVE_NAMES[curve] ?? curve}`.trim()
}
