/**
 * The main step: read and check the inputs, find the token endpoint, exchange the client's credentials for
 * a token, mask it, and hand it to later steps.
 */
import { checkClientAuth } from './client-auth.js'
import { readConfig, type Config } from './config.js'
import type { Deps } from './deps.js'
import { debugTransport, safeJwtClaims } from './diagnostics.js'
import { resolveEndpoints, type Endpoints } from './endpoints.js'
import { InputError } from './errors.js'
import { issuedToken, publishToken, type IssuedToken } from './outputs.js'
import { maskConfiguredSecrets } from './masking.js'
import { proxyFor } from './proxy.js'
import { BASE_DELAY_MS, MAX_DELAY_MS } from './retry.js'
import { reuseSharedToken, shareToken } from './sharing.js'
import { STATE } from './state.js'
import { renderSummary } from './summary.js'
import { requestToken } from './token-request.js'
import { formatMs } from './transport.js'
import type { Attempts } from './attempts.js'

export async function runMain(deps: Deps): Promise<void> {
  const { core } = deps
  const config = readConfig(deps.inputs, { readFile: deps.readFile })
  maskConfiguredSecrets(config, deps.env, secret => core.setSecret(secret))
  for (const warning of config.warnings) core.warning(warning)
  await checkClientAuth(config.clientAuth, deps.env)
  if (config.caCertificate) {
    const count = deps.trustCAs(config.caCertificate)
    core.info(`Trusting ${count} extra CA certificate${count > 1 ? 's' : ''} from ca-certificate.`)
  }

  // A usable shared-token of this run replaces the exchange: no request at all.
  const reused = reuseSharedToken(config, deps)
  if (reused) {
    await hand(deps, config, undefined, reused, 'shared-token')
    await startTokenCommand(deps, config, undefined, reused)
    core.info(
      `Reusing the shared-token of this run: a ${reused.tokenType} token valid until ${reused.expiresAt?.toISOString()}.`
    )
    return
  }

  const started = deps.clock.now()
  const attempts: Attempts = {
    policy: {
      retries: config.retries,
      deadline: started + config.timeoutMs,
      baseDelayMs: BASE_DELAY_MS,
      maxDelayMs: MAX_DELAY_MS
    },
    totalMs: config.timeoutMs,
    clock: deps.clock,
    log: core
  }
  // With ACTIONS_STEP_DEBUG: method, URL, status and time of every request (never a header or a body).
  const transport = core.isDebug()
    ? debugTransport(deps.transport, deps.clock, message => core.debug(message))
    : deps.transport
  const shown = config.warnings.length
  const endpoints = await resolveEndpoints(config.authUrl, config.allowHttp, transport, attempts, config.warnings)
  for (const warning of config.warnings.slice(shown)) core.warning(warning)
  if (endpoints.discoveredFrom)
    core.info(`Token endpoint ${endpoints.tokenEndpoint} (from ${endpoints.discoveredFrom}).`)
  const proxy = proxyFor(endpoints.tokenEndpoint)
  if (proxy) core.info(`Connecting through the proxy ${proxy}.`)

  core.info(`Requesting a token for client "${config.clientId}" with ${config.clientAuth.method}.`)
  const audience = oidcAudience(config, endpoints)
  if (audience) core.info(`The GitHub OIDC token is asked for with audience ${audience}.`)
  const response = await requestToken(config, endpoints.tokenEndpoint, {
    transport,
    attempts,
    setSecret: secret => core.setSecret(secret),
    auth: {
      clientId: config.clientId,
      oidcAudience: audience,
      getIDToken: audience => core.getIDToken(audience),
      now: () => deps.clock.now()
    }
  })
  const token = issuedToken(response, deps.clock.now())
  await hand(deps, config, endpoints, token, 'exchange')
  await startTokenCommand(deps, config, endpoints, token)
  core.info(
    `Got a ${token.tokenType} token${token.expiresAt ? ` valid until ${token.expiresAt.toISOString()}` : ''}${token.scope ? ` with scope "${token.scope}"` : ''} in ${formatMs(deps.clock.now() - started)}.`
  )
}

/**
 * Outputs, env, state and summary: everything a later step or the post step sees. `endpoints` is undefined
 * for a reused shared-token, which was obtained without any request.
 */
async function hand(
  deps: Deps,
  config: Config,
  endpoints: Endpoints | undefined,
  token: IssuedToken,
  source: 'exchange' | 'shared-token'
): Promise<void> {
  const { core } = deps
  publishToken(core, token, config.envVar)
  const shared = shareToken(config, token, deps) || source === 'shared-token'
  core.saveState(STATE.shared, String(shared))
  core.saveState(STATE.token, token.accessToken)
  core.saveState(STATE.tokenEndpoint, endpoints?.tokenEndpoint ?? '')
  core.saveState(STATE.revocationEndpoint, endpoints?.revocationEndpoint ?? '')
  core.saveState(STATE.expiresAt, token.expiresAt?.toISOString() ?? '')
  core.saveState(STATE.oidcAudience, (endpoints && oidcAudience(config, endpoints)) ?? '')
  if (core.isDebug()) {
    const claims = safeJwtClaims(token.accessToken)
    core.debug(claims ? `Access token claims: ${JSON.stringify(claims)}` : 'The access token is opaque (not a JWT).')
  }
  await deps
    .writeSummary(
      renderSummary({
        endpoint: endpoints?.tokenEndpoint ?? config.authUrl.href,
        clientId: config.clientId,
        method: config.clientAuth.method,
        token,
        source,
        envVar: config.envVar
      })
    )
    .catch((error: unknown) => core.debug(`No job summary written: ${(error as Error).message}`))
}

/** token-command: true starts the job's token agent and puts binarly-token on PATH (token-command.ts). */
async function startTokenCommand(
  deps: Deps,
  config: Config,
  endpoints: Endpoints | undefined,
  token: IssuedToken
): Promise<void> {
  if (!config.tokenCommand) return
  const { installTokenCommand, processTokenCommandDeps } = await import('./token-command.js')
  await installTokenCommand(config, endpoints, token, processTokenCommandDeps(deps))
}

/** The audience of the GitHub OIDC token: oidc-audience, else the realm issuer derived from auth-url. */
function oidcAudience(config: Config, endpoints: Endpoints): string | undefined {
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
