/**
 * The post step, when the job ends: revoke the token the main step got, unless other jobs still use it, it
 * has expired, or there is nothing to revoke. Every reason to skip is a debug line; every failure is
 * thrown to the entry, which only warns: a post step never fails the job.
 */
import { readConfig } from './common/config.js'
import type { PostDeps } from './runner/deps.js'
import { maskConfiguredSecrets } from './runner/masking.js'
import { postStepRevocation, revokeToken } from './oauth/revoke.js'
import { STATE } from './runner/state.js'
import { describeError } from './common/errors.js'

/** token-command: stop the job's token agent and revoke what it minted, whatever happens below. */
async function endTokenCommand(deps: PostDeps): Promise<void> {
  if (!deps.core.getState(STATE.tokenAgentDir)) return
  try {
    const { stopTokenAgent } = await import('./agent/stop.js')
    const { alive } = await import('./runner/processes.js')
    const { kill } = await import('./runner/process-kill.js')
    await stopTokenAgent({ ...deps, alive, kill })
  } catch (error) {
    deps.core.warning(`binarly-m2m-auth: binarly-token: ${describeError(error)}`)
  }
}

export async function runPost(deps: PostDeps): Promise<void> {
  const { core } = deps
  const skip = (why: string): void => {
    core.debug(`Revocation skipped: ${why}.`)
  }
  await endTokenCommand(deps)
  const token = core.getState(STATE.token)
  if (!token) {
    skip('the main step left no token (it failed, or did not run)')
    return
  }
  core.setSecret(token)
  if (core.getState(STATE.shared) === 'true') {
    skip('the token is shared with other jobs of this run (share, or shared-token), which may still need it')
    return
  }
  const expiresAt = core.getState(STATE.expiresAt)
  if (expiresAt && Date.parse(expiresAt) <= deps.clock.now()) {
    skip(`the token expired at ${expiresAt}`)
    return
  }

  const config = readConfig(deps.inputs, { readFile: path => deps.readFile(path) })
  if (!config.revoke) {
    skip('revoke is false')
    return
  }
  maskConfiguredSecrets(config, deps.env, secret => core.setSecret(secret))
  const revocationEndpoint = core.getState(STATE.revocationEndpoint)
  if (!revocationEndpoint) {
    skip('no revocation endpoint is known (auth-url is not a Keycloak token endpoint, and discovery named none)')
    return
  }
  // Revocation carries the client credentials, so it is held to the same rule as the token endpoint.
  const revokeDeps = await postStepRevocation(
    config,
    revocationEndpoint,
    core.getState(STATE.oidcAudience) || undefined,
    deps
  )
  await revokeToken(
    config,
    { token, revocationEndpoint, tokenEndpoint: core.getState(STATE.tokenEndpoint), expiresAt },
    revokeDeps
  )
  core.info(`Revoked the access token at ${revocationEndpoint}.`)
}
