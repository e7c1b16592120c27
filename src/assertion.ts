/**
 * Signed client assertions (RFC 7523 §3, as Keycloak's `client-jwt` and `client-secret-jwt` check them),
 * built with `jose`. Loaded only by the runs that use a JWT method.
 */
import { createPrivateKey, createSecretKey, randomUUID, type KeyObject } from 'node:crypto'
import { SignJWT } from 'jose'
import type { ClientAuth } from './config.js'
import { InputError } from './errors.js'

/** Keycloak rejects client assertions older than 60 s by default. */
export const ASSERTION_LIFETIME_SECONDS = 60

type JwtAuth = Extract<ClientAuth, { method: 'client_secret_jwt' | 'private_key_jwt' }>

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
    const name = auth.method === 'private_key_jwt' ? 'private-key' : 'client-secret'
    throw new InputError(
      auth.method === 'private_key_jwt' ? 'signing-algorithm' : name,
      `cannot sign a ${auth.algorithm} client assertion with this ${name === 'private-key' ? `${keyKind(key)} key` : 'secret'} (${(error as Error).message}): choose the signing-algorithm that matches the key${name === 'client-secret' ? ' (HS256 needs a secret of at least 32 bytes)' : ''}.`
    )
  }
}

function signingKey(auth: JwtAuth): KeyObject {
  if (auth.method === 'client_secret_jwt') return createSecretKey(Buffer.from(auth.clientSecret, 'utf8'))
  try {
    return createPrivateKey(auth.privateKey)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? ''
    const encrypted = /passphrase/i.test((error as Error).message)
    throw new InputError(
      'private-key',
      encrypted
        ? 'is an encrypted PEM key: pass it unencrypted (PKCS#8 "BEGIN PRIVATE KEY", or "BEGIN RSA PRIVATE KEY"), kept in a repository secret.'
        : `is not a PEM private key Node can read${code ? ` (${code})` : ''}: pass PKCS#8 ("BEGIN PRIVATE KEY"), PKCS#1 ("BEGIN RSA PRIVATE KEY") or SEC1 ("BEGIN EC PRIVATE KEY").`
    )
  }
}

function keyKind(key: KeyObject): string {
  return key.asymmetricKeyType ? key.asymmetricKeyType.toUpperCase() : 'secret'
}
