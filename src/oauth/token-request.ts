/**
 * The client credentials token request (RFC 6749 §4.4), sent with retries. Credentials are built fresh for
 * each attempt and masked before the request leaves.
 */
import { withAttempts, type Attempts, type AttemptResult } from '../net/attempts.js'
import { clientCredentials, type ClientAuthContext } from './client-auth.js'
import type { Config } from '../common/config.js'
import { secretsOf } from './secret-forms.js'
import { checkIssuedClient, type PresentedIdentity } from './github-oidc.js'
import { hintFor } from './hints.js'
import { parseTokenResponse, type TokenResponse } from './token-response.js'
import type { Transport } from '../net/http.js'

/** The form body of a token request: grant, scope, audience, resources, then the client's fields. */
export function tokenRequestBody(
  config: Pick<Config, 'scope' | 'audience' | 'resources'>,
  clientFields: Record<string, string>
): string {
  const form = new URLSearchParams({ grant_type: 'client_credentials' })
  if (config.scope) form.set('scope', config.scope)
  if (config.audience) form.set('audience', config.audience)
  for (const resource of config.resources) form.append('resource', resource)
  for (const [key, value] of Object.entries(clientFields)) form.set(key, value)
  return form.toString()
}

export interface TokenRequestDeps {
  transport: Transport
  attempts: Attempts
  setSecret(value: string): void
  auth: Omit<ClientAuthContext, 'endpoint'>
}

export async function requestToken(
  config: Config,
  tokenEndpoint: string,
  deps: TokenRequestDeps
): Promise<TokenResponse> {
  const hintContext = {
    clientId: config.clientId,
    method: config.clientAuth.method,
    scope: config.scope,
    endpoint: tokenEndpoint
  }
  /** github_oidc: what the last GitHub OIDC token sent said about itself, for the message if it is refused. */
  let presented: PresentedIdentity | undefined
  return withAttempts(
    'Token request',
    tokenEndpoint,
    deps.attempts,
    async (timeoutMs): Promise<AttemptResult<TokenResponse>> => {
      const credentials = await clientCredentials(config.clientAuth, { ...deps.auth, endpoint: tokenEndpoint })
      for (const secret of credentials.secrets) deps.setSecret(secret)
      presented = credentials.presented
      const response = await deps.transport({
        method: 'POST',
        url: tokenEndpoint,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          ...credentials.headers
        },
        body: tokenRequestBody(config, credentials.fields),
        timeoutMs
      })
      // Whatever the server wrote back, none of what was sent is ever quoted from it.
      const sent = [...secretsOf(config), ...credentials.secrets]
      const parsed = parseTokenResponse(response, deps.attempts.clock.now(), sent)
      if (parsed.ok) {
        // Mask what the server handed out before anything else can print it.
        deps.setSecret(parsed.token.accessToken)
        for (const secret of parsed.token.extraSecrets) deps.setSecret(secret)
        if (config.clientAuth.method === 'github_oidc') {
          checkIssuedClient(parsed.token.accessToken, config.clientId, presented)
        }
        return { ok: true, value: parsed.token }
      }
      return parsed
    },
    failure => {
      const what = failure.status
        ? `HTTP ${failure.status}${failure.error ? ` ${failure.error}` : ''}${failure.errorDescription ? `: "${failure.errorDescription}"` : failure.error ? '' : `, ${failure.detail}`}`
        : failure.detail
      const hint = hintFor(failure, { ...hintContext, presented })
      return `Token request to ${tokenEndpoint} for client "${config.clientId}" failed: ${what}.${hint ? ` ${hint}` : ''}`
    }
  )
}
