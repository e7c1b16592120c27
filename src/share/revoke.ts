/**
 * The final job of a matrix (`revoke-shared-token`): revoke the token a sharing job sealed, once no job of
 * the run needs it any more. The value is opened exactly as `shared-token` is (same key, same binding);
 * whatever it holds, the step makes no token request and sets no outputs, and a value that does not open
 * is a warning, never a failure.
 */
import type { Attempts } from '../net/attempts.js'
import type { Config } from '../common/config.js'
import type { Deps } from '../runner/deps.js'
import { resolveEndpoints, type Endpoints } from '../oauth/endpoints.js'
import { revokeToken } from '../oauth/revoke.js'
import { deriveShareKey, unseal, type SealedToken } from './seal.js'
import { shareBinding, shareSecret } from './matrix.js'
import type { TokenRequestDeps } from '../oauth/token-request.js'
import type { Transport } from '../net/http.js'

const NOT_REVOKED = 'revoke-shared-token: nothing was revoked'

/** The sealed token, masked already, or undefined (after saying why) when there is nothing to revoke. */
export function openForRevocation(
  sealed: string,
  config: Config,
  deps: Pick<Deps, 'core' | 'env' | 'clock'>
): SealedToken | undefined {
  const { core } = deps
  const binding = shareBinding(config, deps.env)
  if (!binding) {
    core.warning(
      `${NOT_REVOKED}: GITHUB_REPOSITORY and GITHUB_RUN_ID are not set (is this a GitHub Actions runner?), and a shared token is bound to them.`
    )
    return undefined
  }
  const result = unseal(sealed, deriveShareKey(shareSecret(config)), binding, deps.clock.now(), 0)
  if (result.ok) {
    core.setSecret(result.token.accessToken)
    return result.token
  }
  if (result.reason === 'expired') core.info(`The shared token has expired already, so there is nothing to revoke.`)
  else core.warning(`${NOT_REVOKED}: the value cannot be opened: ${result.why}.`)
  return undefined
}

export async function revokeSharedToken(
  sealed: string,
  config: Config,
  deps: Deps,
  network: {
    transport: Transport
    attempts: Attempts
    authFor: (endpoints: Endpoints) => TokenRequestDeps['auth']
  }
): Promise<void> {
  const { core } = deps
  const token = openForRevocation(sealed, config, deps)
  if (!token) return
  const expiresAt = token.expiresAt.toISOString()
  const endpoints = await resolveEndpoints(config.authUrl, network.transport, network.attempts)
  const endpoint = endpoints.revocationEndpoint
  if (!endpoint) {
    core.warning(
      `${NOT_REVOKED}: no revocation endpoint is known (auth-url is not a Keycloak token endpoint, and discovery named none), so the shared token stays valid until ${expiresAt}: set auth-url to the realm URL or the Keycloak token endpoint.`
    )
    return
  }
  await revokeToken(
    config,
    { token: token.accessToken, revocationEndpoint: endpoint, tokenEndpoint: endpoints.tokenEndpoint, expiresAt },
    {
      transport: network.transport,
      clock: deps.clock,
      log: core,
      setSecret: secret => core.setSecret(secret),
      auth: network.authFor(endpoints)
    }
  )
  core.info(
    `Revoked the shared token (valid until ${expiresAt}) at ${endpoint}: a job of this run still using it is refused from now on.`
  )
}
