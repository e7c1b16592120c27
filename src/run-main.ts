/**
 * The main step: read and check the inputs, find the token endpoint, exchange the client's credentials for
 * a token, mask it, and hand it to later steps.
 */
import { checkClientAuth } from './oauth/client-auth.js'
import { readConfig, type Config } from './common/config.js'
import type { Deps } from './runner/deps.js'
import { debugTransport, safeJwtClaims } from './oauth/diagnostics.js'
import { resolveEndpoints, type Endpoints } from './oauth/endpoints.js'
import { describeError, EndpointError } from './common/errors.js'
import { oidcAudience, requestIdToken, WrongClientError } from './oauth/github-oidc.js'
import { issuedToken, publishToken, type IssuedToken } from './runner/outputs.js'
import { maskConfiguredSecrets } from './runner/masking.js'
import { proxyFor } from './net/proxy.js'
import { recordNetwork } from './net/main-step-network.js'
import { BASE_DELAY_MS, MAX_DELAY_MS } from './net/retry.js'
import { reuseSharedToken, shareToken } from './share/matrix.js'
import { STATE } from './runner/state.js'
import { renderFailureSummary, renderSummary, type FailureFacts } from './runner/summary.js'
import { printable, redact } from './common/server-text.js'
import { revokeToken, type RevokeDeps } from './oauth/revoke.js'
import { requestToken, type TokenRequestDeps } from './oauth/token-request.js'
import { revokeSharedToken } from './share/revoke.js'
import { formatMs } from './net/transport.js'
import type { Attempts } from './net/attempts.js'

export async function runMain(runtime: Deps): Promise<void> {
  // Every value this step masks is noted, so that the shared-token output can be kept free of them.
  const masked: string[] = []
  const deps: Deps = {
    ...runtime,
    core: {
      ...runtime.core,
      setSecret: value => {
        masked.push(value)
        runtime.core.setSecret(value)
      }
    }
  }
  const tried: Tried = {}
  try {
    await obtainToken(deps, tried, masked)
  } catch (error) {
    // The summary is not masked by the runner: every masked value is redacted from it first.
    await writeSummary(deps, renderFailureSummary(failureFacts(tried, error, masked)))
    throw error
  }
}

/** How far a run got, for the job summary of a failure. */
interface Tried {
  config?: Config
  tokenEndpoint?: string
}

/** What was tried, with every masked value redacted (before Markdown escaping could change its form). */
function failureFacts(tried: Tried, error: unknown, masked: readonly string[]): FailureFacts {
  const { config } = tried
  const endpointError = error instanceof EndpointError ? error : undefined
  const safe = (text: string | undefined): string | undefined => text && redact(text, masked)
  return {
    authUrl: safe(config?.authUrl.href),
    endpoint: safe(endpointError?.endpoint ?? tried.tokenEndpoint),
    clientId: safe(config?.clientId),
    method: config?.clientAuth.method,
    attempts: endpointError?.attempts,
    message: redact(describeError(error), masked)
  }
}

async function obtainToken(deps: Deps, tried: Tried, masked: string[]): Promise<void> {
  const { core } = deps
  const config = readConfig(deps.inputs, { readFile: deps.readFile })
  tried.config = config
  maskConfiguredSecrets(config, deps.env, secret => core.setSecret(secret))
  for (const warning of config.warnings) core.warning(warning)
  await checkClientAuth(config.clientAuth, deps.env)
  if (config.caCertificate) {
    const count = await deps.trustCAs(config.caCertificate)
    core.info(`Trusting ${count} extra CA certificate${count > 1 ? 's' : ''} from ca-certificate.`)
  }

  // A usable shared-token of this run replaces the exchange: no request at all.
  const reused = reuseSharedToken(config, deps)
  if (reused) {
    await hand(deps, config, undefined, reused, 'shared-token', masked)
    await startTokenCommand(deps, config, undefined, reused, true)
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
  const auth: TokenRequestDeps['auth'] = {
    clientId: config.clientId,
    oidcAudience: undefined,
    // Bounded by what is left of timeout; masked before anything else sees it.
    getIDToken: async audience => {
      const left = Math.max(1, attempts.policy.deadline - deps.clock.now())
      const idToken = await requestIdToken(transport, deps.env, audience, left)
      core.setSecret(idToken)
      return idToken
    },
    now: () => deps.clock.now()
  }
  if (config.revokeSharedToken) {
    // A matrix's final job: revoke the shared token, and nothing else.
    await revokeSharedToken(config.revokeSharedToken, config, deps, {
      transport,
      attempts,
      authFor: endpoints => authFor(config, auth, endpoints)
    })
    return
  }
  const endpoints = await resolveEndpoints(config.authUrl, transport, attempts)
  tried.tokenEndpoint = endpoints.tokenEndpoint
  if (endpoints.discoveredFrom)
    core.info(`Token endpoint ${printable(endpoints.tokenEndpoint, 500)} (from ${endpoints.discoveredFrom}).`)
  const proxy = proxyFor(endpoints.tokenEndpoint)
  if (proxy) core.info(`Connecting through the proxy ${proxy}.`)

  core.info(`Requesting a token for client "${config.clientId}" with ${config.clientAuth.method}.`)
  const audience = oidcAudience(config, endpoints)
  if (audience) core.info(`The GitHub OIDC token is asked for with audience ${audience}.`)
  const setSecret = (secret: string): void => core.setSecret(secret)
  const tokenAuth = authFor(config, auth, endpoints)
  const response = await requestToken(config, endpoints.tokenEndpoint, {
    transport,
    attempts,
    setSecret,
    auth: tokenAuth
  }).catch(async (error: unknown) => {
    if (!(error instanceof WrongClientError)) throw error
    // Issued to another client: never handed out, and revoked now rather than left to expire.
    const revoked = await revokeRefused(config, endpoints, error.token, {
      transport,
      clock: deps.clock,
      log: core,
      setSecret,
      auth: tokenAuth
    })
    throw new Error(`${error.message} ${revoked}`)
  })
  const token = issuedToken(response, deps.clock.now())
  const shared = await hand(deps, config, endpoints, token, 'exchange', masked)
  await startTokenCommand(deps, config, endpoints, token, shared)
  core.info(
    `Got a ${token.tokenType} token${token.expiresAt ? ` valid until ${token.expiresAt.toISOString()}` : ''}${token.scope ? ` with scope "${printable(token.scope, 500)}"` : ''} in ${formatMs(deps.clock.now() - started)}.`
  )
}

/**
 * Outputs, env, state and summary: everything a later step or the post step sees. `endpoints` is undefined
 * for a reused shared-token, which was obtained without any request. Resolves with whether other jobs of the
 * run use the token.
 */
async function hand(
  deps: Deps,
  config: Config,
  endpoints: Endpoints | undefined,
  token: IssuedToken,
  source: 'exchange' | 'shared-token',
  masked: readonly string[]
): Promise<boolean> {
  const { core } = deps
  publishToken(core, token, config.envVar)
  const shared = shareToken(config, token, deps, masked) || source === 'shared-token'
  core.saveState(STATE.shared, String(shared))
  core.saveState(STATE.token, token.accessToken)
  core.saveState(STATE.tokenEndpoint, endpoints?.tokenEndpoint ?? '')
  core.saveState(STATE.revocationEndpoint, endpoints?.revocationEndpoint ?? '')
  core.saveState(STATE.expiresAt, token.expiresAt?.toISOString() ?? '')
  core.saveState(STATE.issuedAt, source === 'exchange' ? new Date(deps.clock.now()).toISOString() : '')
  core.saveState(STATE.oidcAudience, (endpoints && oidcAudience(config, endpoints)) ?? '')
  core.saveState(
    STATE.network,
    recordNetwork(deps.env, path => deps.readFile(path))
  )
  if (core.isDebug()) {
    const claims = safeJwtClaims(token.accessToken)
    core.debug(
      claims
        ? `Access token claims: ${printable(JSON.stringify(claims), 2000)}`
        : 'The access token is opaque (not a JWT).'
    )
  }
  await writeSummary(
    deps,
    renderSummary({
      endpoint: endpoints?.tokenEndpoint ?? config.authUrl.href,
      clientId: config.clientId,
      method: config.clientAuth.method,
      token,
      source,
      envVar: config.envVar
    })
  )
  return shared
}

/** A summary that cannot be written is a debug line, never a failure. */
async function writeSummary(deps: Deps, markdown: string): Promise<void> {
  await deps
    .writeSummary(markdown)
    .catch((error: unknown) => deps.core.debug(`No job summary written: ${describeError(error)}`))
}

/** The client authentication context for the endpoints found. */
function authFor(config: Config, auth: TokenRequestDeps['auth'], endpoints: Endpoints): TokenRequestDeps['auth'] {
  return { ...auth, oidcAudience: oidcAudience(config, endpoints) }
}

/** token-command: true starts the job's token agent and puts binarly-token on PATH (agent/start.ts). */
async function startTokenCommand(
  deps: Deps,
  config: Config,
  endpoints: Endpoints | undefined,
  token: IssuedToken,
  shared: boolean
): Promise<void> {
  if (!config.tokenCommand) return
  const { installTokenCommand, processTokenCommandDeps } = await import('./agent/start.js')
  await installTokenCommand(config, endpoints, token, processTokenCommandDeps(deps), shared)
}

/** Revokes a token that is not handed out (issued to another client); says how that went, for the message. */
async function revokeRefused(config: Config, endpoints: Endpoints, token: string, deps: RevokeDeps): Promise<string> {
  if (!config.revoke || !endpoints.revocationEndpoint) {
    return 'It was not revoked (revoke is false, or no revocation endpoint is known) and expires on its own.'
  }
  const revocation = {
    token,
    revocationEndpoint: endpoints.revocationEndpoint,
    tokenEndpoint: endpoints.tokenEndpoint,
    expiresAt: ''
  }
  try {
    await revokeToken(config, revocation, deps)
    return 'It was revoked at once.'
  } catch (error) {
    const why = error instanceof EndpointError ? error.failure.detail : describeError(error)
    return `It could not be revoked (${why}) and expires on its own.`
  }
}
