/** GitHub's OIDC identity as the client credential (auth-method github_oidc). */
import { InputError } from './errors.js'
import { printable } from './server-text.js'
import { TransportError, type Transport } from './transport.js'

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
