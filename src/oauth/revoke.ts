/**
 * Token revocation (RFC 7009) when the job ends: the access token is POSTed to the revocation endpoint with
 * the same client authentication as the exchange. A short timeout and at most one retry: the job is over,
 * and a token that cannot be revoked still expires on its own.
 */
import { withAttempts, type AttemptLog, type AttemptResult } from '../net/attempts.js'
import { clientCredentials } from './client-auth.js'
import { checkHttpPolicy, type Config } from '../common/config.js'
import type { Transport } from '../net/http.js'
import { requestIdToken } from './github-oidc.js'
import { secretsOf } from './secret-forms.js'
import { BASE_DELAY_MS, MAX_DELAY_MS, type Clock } from '../net/retry.js'
import type { TokenRequestDeps } from './token-request.js'
import { errorFailure } from './token-response.js'

/** The whole revocation, retry included, at most this long (or `timeout`, when shorter). */
export const REVOKE_TIMEOUT_MS = 10_000
export const REVOKE_RETRIES = 1

/** The whole revocation's budget: `timeout`, at most REVOKE_TIMEOUT_MS. */
export function revokeTimeoutMs(config: Pick<Config, 'timeoutMs'>): number {
  return Math.min(config.timeoutMs, REVOKE_TIMEOUT_MS)
}

/** What the main step left in the state about the token to revoke. */
export interface Revocation {
  token: string
  revocationEndpoint: string
  /** The `aud` of signed client assertions, as in the exchange. */
  tokenEndpoint: string
  expiresAt: string
}

export type RevokeDeps = Omit<TokenRequestDeps, 'attempts'> & { clock: Clock; log: AttemptLog }

/** What preparing the post step's revocations takes from the step (the runner's PostDeps has all of it). */
export interface PostRevocationDeps {
  core: AttemptLog & { warning(message: string): void; setSecret(secret: string): void }
  transport: Transport
  clock: Clock
  env: NodeJS.ProcessEnv
  /** Trusts extra CAs for every TLS connection of the process. */
  trustCAs: (pem: string) => Promise<number>
}

/**
 * What the post step does before it revokes (its own token, or those binarly-token minted): hold the
 * revocation endpoint to auth-url's http:// rule (it receives the client credentials too), trust the extra
 * CAs, and build revokeToken's deps, where a github_oidc revocation gets a fresh, masked GitHub ID token within
 * the revocation's budget.
 */
export async function postStepRevocation(
  config: Config,
  revocationEndpoint: string,
  oidcAudience: string | undefined,
  deps: PostRevocationDeps
): Promise<RevokeDeps> {
  const { core } = deps
  const warnings: string[] = []
  checkHttpPolicy(new URL(revocationEndpoint), config.allowHttp, 'The revocation endpoint', warnings)
  for (const warning of warnings) core.warning(warning)
  if (config.caCertificate) await deps.trustCAs(config.caCertificate)
  return {
    transport: deps.transport,
    clock: deps.clock,
    log: core,
    setSecret: secret => core.setSecret(secret),
    auth: {
      clientId: config.clientId,
      oidcAudience,
      getIDToken: async audience => {
        const idToken = await requestIdToken(deps.transport, deps.env, audience, revokeTimeoutMs(config))
        core.setSecret(idToken)
        return idToken
      },
      now: () => deps.clock.now()
    }
  }
}

/** The form body of a revocation request (RFC 7009 §2.1), then the client's fields. */
export function revocationBody(token: string, clientFields: Record<string, string>): string {
  const form = new URLSearchParams({ token, token_type_hint: 'access_token' })
  for (const [key, value] of Object.entries(clientFields)) form.set(key, value)
  return form.toString()
}

export async function revokeToken(
  config: Pick<Config, 'clientAuth' | 'sharePassphrase' | 'timeoutMs' | 'retries'>,
  revocation: Revocation,
  deps: RevokeDeps
): Promise<void> {
  const { revocationEndpoint: endpoint } = revocation
  const totalMs = revokeTimeoutMs(config)
  const attempts = {
    policy: {
      retries: Math.min(config.retries, REVOKE_RETRIES),
      retriesSource: 'a revocation is retried at most once',
      deadline: deps.clock.now() + totalMs,
      baseDelayMs: BASE_DELAY_MS,
      maxDelayMs: MAX_DELAY_MS
    },
    totalMs,
    clock: deps.clock,
    log: deps.log
  }
  await withAttempts(
    'Revocation',
    endpoint,
    attempts,
    async (timeoutMs): Promise<AttemptResult<void>> => {
      const credentials = await clientCredentials(config.clientAuth, {
        ...deps.auth,
        endpoint: revocation.tokenEndpoint
      })
      for (const secret of credentials.secrets) deps.setSecret(secret)
      const response = await deps.transport({
        method: 'POST',
        url: endpoint,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...credentials.headers },
        body: revocationBody(revocation.token, credentials.fields),
        timeoutMs
      })
      // RFC 7009 §2.2: 200 means revoked (or already invalid); any 2xx is taken the same way.
      if (response.status >= 200 && response.status < 300) return { ok: true, value: undefined }
      // Redacted as the token request's answer is: none of what was sent is ever quoted from it.
      const sent = [...secretsOf(config), ...credentials.secrets, revocation.token]
      return { ok: false, failure: errorFailure(response, deps.clock.now(), sent) }
    },
    failure =>
      `Could not revoke the token at ${endpoint}: ${failure.status ? `HTTP ${failure.status}, ` : ''}${failure.detail}. It stays valid until ${revocation.expiresAt || 'it expires'}; if this server cannot revoke tokens, set revoke: false.`
  )
}
