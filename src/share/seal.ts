/**
 * Sealing a token for the other jobs of the same workflow run (`share`, `shared-token`). Pure apart from
 * `node:crypto`: AES-256-GCM under a key derived with HKDF-SHA256 from a secret every job holds, with the
 * repository and run ID as associated data, so a sealed value is useless in another run or repository and
 * cannot be altered unnoticed. Inside the seal, the token carries what it was obtained for (client
 * ID, auth-url, scope, audience, resources), so a job configured otherwise does not use it by mistake. The
 * sealed value is random-looking base64url; `sealWithout` re-seals until it holds no masked string, so the
 * runner passes it on as a job output.
 *
 * Format: `v2.<iv>.<ciphertext>.<tag>`, each part base64url (v1 lacked the token binding). The fixed-size parts make a truncated value
 * detectably malformed instead of merely unauthenticated.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

export const SHARE_FORMAT = 'v2'
const SALT = `binarly-m2m-auth shared-token ${SHARE_FORMAT}`
const INFO = 'AES-256-GCM key'
const IV_BYTES = 12
const TAG_BYTES = 16
const BASE64URL = /^[A-Za-z0-9_-]+$/

/** The token as the sealing job got it; only tokens with a known expiry are shared. */
export interface SealedToken {
  accessToken: string
  tokenType: string
  scope: string | undefined
  expiresAt: Date
}

/**
 * What a sealed value is bound to: the run (`GITHUB_REPOSITORY`, `GITHUB_RUN_ID`, as associated data) and
 * what the token was obtained for (sealed with it, and compared on opening).
 */
export interface ShareBinding {
  repository: string
  runId: string
  clientId: string
  authUrl: string
  scope: string | undefined
  audience: string | undefined
  resources: string[]
}

/** The inputs behind each bound field, to name what differs. */
const BOUND_INPUTS = {
  clientId: 'client-id',
  authUrl: 'auth-url',
  scope: 'scope',
  audience: 'audience',
  resources: 'resource'
} as const
type BoundField = keyof typeof BOUND_INPUTS

export type UnsealFailure = 'malformed' | 'version' | 'unauthenticated' | 'mismatch' | 'expired' | 'too-short'

export type UnsealResult = { ok: true; token: SealedToken } | { ok: false; reason: UnsealFailure; why: string }

/** HKDF-SHA256 over the shared secret (share-passphrase, client secret or private key PEM). */
export function deriveShareKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), SALT, INFO, 32))
}

/** Associated data: the format version, repository and run ID, JSON-encoded so no two bindings collide. */
function associatedData(binding: ShareBinding): Buffer {
  return Buffer.from(JSON.stringify([SHARE_FORMAT, binding.repository, binding.runId]), 'utf8')
}

function boundValues(binding: ShareBinding): Record<BoundField, string | string[] | null> {
  return {
    clientId: binding.clientId,
    authUrl: binding.authUrl,
    scope: binding.scope ?? null,
    audience: binding.audience ?? null,
    resources: binding.resources
  }
}

export function seal(token: SealedToken, key: Buffer, binding: ShareBinding): string {
  const iv = randomBytes(IV_BYTES)
  const payload = JSON.stringify({
    t: token.accessToken,
    y: token.tokenType,
    s: token.scope ?? null,
    e: token.expiresAt.getTime(),
    b: boundValues(binding)
  })
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
  cipher.setAAD(associatedData(binding))
  const ciphertext = Buffer.concat([cipher.update(payload, 'utf8'), cipher.final()])
  return [SHARE_FORMAT, iv, ciphertext, cipher.getAuthTag()]
    .map(part => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.')
}

/**
 * Opens a sealed value and checks it is still valid for at least `minValiditySeconds` at `nowMs`. Each
 * failure says why, in words fit for a warning.
 */
export function unseal(
  sealed: string,
  key: Buffer,
  binding: ShareBinding,
  nowMs: number,
  minValiditySeconds: number
): UnsealResult {
  const fail = (reason: UnsealFailure, why: string): UnsealResult => ({ ok: false, reason, why })
  const malformed = (what: string): UnsealResult =>
    fail(
      'malformed',
      `it is not a sealed token (${what}): pass the shared-token output of this run's sharing job, copied whole`
    )
  const parts = sealed.trim().split('.')
  /* c8 ignore next: split always returns at least one part; the fallback is for the type checker */
  const version = parts[0] ?? ''
  if (/^v\d+$/.test(version) && version !== SHARE_FORMAT) {
    return fail(
      'version',
      `it was sealed in format ${version}, and this version of the action reads ${SHARE_FORMAT}: use the same version of the action in the sharing job and in this one`
    )
  }
  if (version !== SHARE_FORMAT) return malformed(`it does not start with "${SHARE_FORMAT}."`)
  if (parts.length !== 4 || !parts.slice(1).every(p => BASE64URL.test(p))) {
    return malformed('it does not have the four base64url parts, so it may be truncated')
  }
  const [iv, ciphertext, tag] = parts.slice(1).map(p => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer]
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES || ciphertext.length === 0) {
    return malformed('a part has the wrong length, so it may be truncated')
  }
  let plaintext: string
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
    decipher.setAAD(associatedData(binding))
    decipher.setAuthTag(tag)
    plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8')
  } catch {
    return fail(
      'unauthenticated',
      `it does not open with this job's key for ${binding.repository} run ${binding.runId}: it was altered, sealed with another share-passphrase (or client credential), or sealed in another run or repository (AES-GCM cannot tell which); give every job the same share-passphrase (or client credential), and pass the shared-token of this run's own sharing job`
    )
  }
  const opened = parsePayload(plaintext)
  if (!opened) return malformed('its content is not a sealed token')
  const { token, bound } = opened
  const expected = boundValues(binding)
  const differ = (Object.keys(BOUND_INPUTS) as BoundField[]).filter(
    field => JSON.stringify(bound[field]) !== JSON.stringify(expected[field])
  )
  if (differ.length > 0) {
    return fail(
      'mismatch',
      `it holds a token obtained with other inputs: ${differ.map(field => BOUND_INPUTS[field]).join(', ')} ${differ.length > 1 ? 'differ' : 'differs'} from this job's, so the token may belong to another client or grant other access; give the jobs that share a token the same inputs, or drop shared-token from this one`
    )
  }
  const leftSeconds = Math.floor((token.expiresAt.getTime() - nowMs) / 1000)
  if (leftSeconds <= 0) {
    return fail(
      'expired',
      `the token expired at ${token.expiresAt.toISOString()}: the matrix ran longer than the token lives, so let the jobs exchange their own credentials (or ask for a longer token lifetime)`
    )
  }
  if (leftSeconds < minValiditySeconds) {
    return fail(
      'too-short',
      `the token is valid for ${leftSeconds} s more, less than min-validity (${minValiditySeconds} s): lower min-validity if the job needs the token only briefly`
    )
  }
  return { ok: true, token }
}

function parsePayload(text: string): { token: SealedToken; bound: Record<BoundField, unknown> } | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (value === null || typeof value !== 'object') return undefined
  const { t, y, s, e, b } = value as Record<string, unknown>
  if (typeof t !== 'string' || !t || typeof y !== 'string' || !y) return undefined
  if (s !== null && typeof s !== 'string') return undefined
  if (typeof e !== 'number' || !Number.isFinite(e)) return undefined
  if (b === null || typeof b !== 'object') return undefined
  return {
    token: { accessToken: t, tokenType: y, scope: s ?? undefined, expiresAt: new Date(e) },
    bound: b as Record<BoundField, unknown>
  }
}

/**
 * Seals again (each time with a fresh IV) until the sealed value contains none of `forbidden`: the runner
 * drops a job output that contains a value the step masked. Undefined when `tries` sealings all did (a
 * masked value of one or two characters is in almost every one).
 */
export function sealWithout(sealOnce: () => string, forbidden: readonly string[], tries = 64): string | undefined {
  const values = forbidden.filter(value => value.length > 0)
  for (let i = 0; i < tries; i++) {
    const sealed = sealOnce()
    if (!values.some(value => sealed.includes(value))) return sealed
  }
  return undefined
}
