/**
 * What the post step does before it revokes (its own token, or those binarly-token minted): hold the
 * revocation endpoint to auth-url's http:// rule, trust the extra CAs, and build revokeToken's deps. Apart
 * from revoke.ts so that the token agent, which revokes a refused token with revokeToken, does not carry the
 * input rules.
 */
import type { AttemptLog } from '../net/attempts.js'
import { checkHttpPolicy, type Config } from '../common/config.js'
import type { Transport } from '../net/http.js'
import type { Clock } from '../net/retry.js'
import { requestIdToken } from './github-oidc.js'
import { revokeTimeoutMs, type RevokeDeps } from './revoke.js'

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
