/** GitHub's OIDC identity as the client credential (auth-method github_oidc). */
import type { Config } from '../common/config.js'
import type { Endpoints } from './endpoints.js'
import { InputError } from '../common/errors.js'
import { printable } from '../common/server-text.js'
import { TransportError } from '../net/transport.js'
import { type Transport } from '../net/http.js'

/** The runner sets these only when the job has `permissions: id-token: write`. */
export function requireIdTokenPermission(env: NodeJS.ProcessEnv): void {
  if (!env.ACTIONS_ID_TOKEN_REQUEST_URL || !env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    throw new InputError(
      'auth-method',
      'github_oidc needs a GitHub OIDC token, and this job may not request one: add "permissions: id-token: write" to the job (or workflow). Pull requests from forks never get one.'
    )
  }
}

/**
 * Asks GitHub's OIDC service for a token (`core.getIDToken`, which masks it). Its failures are reworded:
 * @actions/core quotes the service's answer body, which is not printed here; a network error is.
 */
export async function githubIdToken(
  getIDToken: (audience: string) => Promise<string>,
  audience: string
): Promise<string> {
  try {
    return await getIDToken(audience)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const status = /Error Code\s*:\s*(\d{3})/.exec(message)?.[1]
    const network = /Error Message\s*:\s*(.*)$/s.exec(message)?.[1]
    const what =
      error instanceof IdTokenError
        ? error.message
        : status
          ? `it answered HTTP ${status}`
          : /do not have ID Token/i.test(message)
            ? 'its answer held no token ("value")'
            : printable(network ?? message, 200)
    throw new Error(
      `github_oidc: GitHub's OIDC service (ACTIONS_ID_TOKEN_REQUEST_URL) gave no token for audience "${audience}": ${what}. This is on GitHub's side, not Keycloak's: re-run the job, and if it keeps failing check https://www.githubstatus.com.`,
      { cause: error }
    )
  }
}

/** Why the ID token request gave no token, in words that follow "GitHub's OIDC service …". */
export class IdTokenError extends Error {
  override name = 'IdTokenError'
}

/**
 * The ID token request as @actions/core's OidcClient makes it (GET ACTIONS_ID_TOKEN_REQUEST_URL with
 * `&audience=`, the request token as Bearer), but through the action's transport, so `timeout` bounds it
 * and a service that never answers cannot keep the step alive. The caller masks the token at once.
 */
export async function requestIdToken(
  transport: Transport,
  env: NodeJS.ProcessEnv,
  audience: string,
  timeoutMs: number
): Promise<string> {
  const url = `${env.ACTIONS_ID_TOKEN_REQUEST_URL ?? ''}&audience=${encodeURIComponent(audience)}`
  let response
  try {
    response = await transport({
      method: 'GET',
      url,
      headers: { accept: 'application/json', authorization: `Bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN ?? ''}` },
      timeoutMs
    })
  } catch (error) {
    const detail = error instanceof TransportError ? `${error.message} (${error.code})` : 'an unexpected error'
    throw new IdTokenError(printable(detail, 200), { cause: error })
  }
  if (response.status !== 200) throw new IdTokenError(`it answered HTTP ${response.status}`)
  let value: unknown
  try {
    value = (JSON.parse(response.body) as { value?: unknown } | null)?.value
  } catch {
    value = undefined
  }
  if (typeof value !== 'string' || !value) throw new IdTokenError('its answer held no token ("value")')
  return value
}

/** What Keycloak matches GitHub's OIDC token by. Not secret (the token is): printed when it is refused. */
export interface PresentedIdentity {
  iss: string
  sub: string
  aud: string
}

/** The iss, sub and aud of a GitHub OIDC token, each made printable; undefined when it is not a JWT. */
export function presentedIdentity(idToken: string): PresentedIdentity | undefined {
  const payload = jwtPayload(idToken)
  if (!payload) return undefined
  const claim = (name: string): string => {
    const value = payload[name]
    const text = Array.isArray(value) ? value.filter(v => typeof v === 'string').join(' ') : value
    return (typeof text === 'string' && printable(text, 200)) || '(none)'
  }
  return { iss: claim('iss'), sub: claim('sub'), aud: claim('aud') }
}

export function describeIdentity(presented: PresentedIdentity): string {
  return `iss "${presented.iss}", sub "${presented.sub}", aud "${presented.aud}"`
}

/** The client an access token was issued to: a JWT's azp (Keycloak), else its client_id (RFC 9068). */
export function issuedClient(accessToken: string): string | undefined {
  const payload = jwtPayload(accessToken)
  const client = typeof payload?.azp === 'string' ? payload.azp : payload?.client_id
  return typeof client === 'string' && client ? client : undefined
}

/** A token was issued, but not (provably) to client-id: it is masked and never handed out. */
export class WrongClientError extends Error {
  override name = 'WrongClientError'
  constructor(
    message: string,
    /** The refused token (masked already), to revoke. */
    readonly token: string
  ) {
    super(message)
  }
}

/**
 * github_oidc sends no client_id (Keycloak before 26.6 refuses one that differs from the GitHub token's sub;
 * docs/keycloak-notes.md), so Keycloak picks the client by the token's issuer and sub, whatever client-id
 * says. The token it issues is handed out only when it names client-id as the client it was issued to.
 */
export function checkIssuedClient(
  accessToken: string,
  clientId: string,
  presented: PresentedIdentity | undefined
): void {
  const issuedTo = issuedClient(accessToken)
  if (issuedTo === clientId) return
  const token = presented ? ` (${describeIdentity(presented)})` : ''
  if (issuedTo === undefined) {
    throw new WrongClientError(
      `github_oidc: the access token does not say which client it was issued to (it is not a JWT with an azp or client_id claim), so it cannot be checked against client-id "${clientId}" and is not handed out. With github_oidc the server picks the client by GitHub's OIDC token${token}, not by client-id; Keycloak's access tokens always name it (azp): check that auth-url is the Keycloak realm's token endpoint.`,
      accessToken
    )
  }
  const other = printable(issuedTo, 200)
  throw new WrongClientError(
    `github_oidc: Keycloak issued the token to client "${other}" (its azp), not to client-id "${clientId}", so it is not handed out. Keycloak picks the client by GitHub's OIDC token${token}, not by client-id: its sub is the "Federated subject" of client "${other}". Set client-id to "${other}" if that is the client meant; else, in Keycloak, give client "${clientId}" that Federated subject (Clients → ${clientId} → Credentials) and take it off client "${other}".`,
    accessToken
  )
}

/** The payload of a JWT (three dot-separated parts, a JSON object in the middle), decoded, never verified. */
export function jwtPayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.')
  if (parts.length !== 3 || !parts[1]) return undefined
  let payload: unknown
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return undefined
  return payload as Record<string, unknown>
}

/** The audience of the GitHub OIDC token: oidc-audience, else the realm issuer derived from auth-url (the main step's and the token agent's). */
export function oidcAudience(config: Config, endpoints: Endpoints): string | undefined {
  if (config.clientAuth.method !== 'github_oidc') return undefined
  const audience = config.clientAuth.oidcAudience ?? endpoints.issuer
  if (!audience) {
    throw new InputError(
      'oidc-audience',
      `could not be derived from auth-url (not a Keycloak token endpoint, and no discovery): set it to the realm's issuer URL, e.g. https://kc.example.com/realms/BinarlyRealm.`
    )
  }
  return audience
}
