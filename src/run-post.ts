/**
 * The post step, when the job ends: revoke the token the main step got, unless other jobs still use it, it
 * has expired, or there is nothing to revoke; stop the job's token agent and revoke what it minted; and write
 * the job's token audit (every token, who had it minted, when, until when, what became of it; never a value)
 * to the job summary. Every reason to skip is a debug line; every failure is thrown to the entry, which only
 * warns: a post step never fails the job.
 */
import { readConfig } from './common/config.js'
import type { PostDeps } from './runner/deps.js'
import { maskConfiguredSecrets } from './runner/masking.js'
import { postStepRevocation } from './oauth/post-revocation.js'
import { revokeToken } from './oauth/revoke.js'
import { STATE } from './runner/state.js'
import { describeError, sentence } from './common/errors.js'
import { printable } from './common/server-text.js'
import { renderTokenAudit, type AuditRow } from './runner/summary.js'

/**
 * The network the main step used, put back into this process before the first request that carries a
 * credential: a later step may have chosen another proxy or trust store for the post step (GITHUB_ENV).
 * Resolves with the outcome of every revocation when it cannot be honoured (one warning names the variable),
 * or undefined.
 */
async function useMainStepNetwork(deps: PostDeps): Promise<string | undefined> {
  const use = await deps.useMainStepNetwork(deps.core.getState(STATE.network))
  if (use.refused) {
    const { variable, why } = use.refused
    deps.core.warning(
      `binarly-m2m-auth: the post step sends no credential, so it revokes no token of this job: ${variable} cannot be used as the main step used it (${why}). A later step changed the network the post step would use; the job's tokens stay valid until they expire.`
    )
    return `not revoked: ${variable} changed since the main step (see the warnings)`
  }
  if (use.ignored.length > 0) {
    deps.core.debug(
      `The post step uses the network settings the main step ran with, not those a later step set: ${use.ignored.join(', ')}.`
    )
  }
  return undefined
}

/** token-command: stop the job's token agent and revoke what it minted, whatever happens below. */
async function endTokenCommand(deps: PostDeps, network: () => Promise<string | undefined>): Promise<AuditRow[]> {
  if (!deps.core.getState(STATE.tokenAgentDir)) return []
  try {
    const { stopTokenAgent } = await import('./agent/stop.js')
    const { alive } = await import('./runner/processes.js')
    const { kill } = await import('./runner/process-kill.js')
    return await stopTokenAgent({ ...deps, alive, kill, network })
  } catch (error) {
    deps.core.warning(`binarly-m2m-auth: binarly-token: ${describeError(error)}`)
    return []
  }
}

/**
 * The main step's own token is revoked first, before anything at the agent's socket (which a later step can
 * take over) can hold the step up; then the agent is stopped and what it minted revoked; the audit last.
 */
export async function runPost(deps: PostDeps): Promise<void> {
  const { core } = deps
  const token = core.getState(STATE.token)
  const agent = Boolean(core.getState(STATE.tokenAgentDir))
  if (!token) {
    core.debug('Revocation skipped: the main step left no token (it failed, or did not run).')
    if (!agent) return
  }
  // Once, and only when a credential is to be sent: a post step with nothing to revoke loads nothing for it.
  let use: Promise<string | undefined> | undefined
  const network = (): Promise<string | undefined> => (use ??= useMainStepNetwork(deps))
  let own: AuditRow | undefined
  if (token) {
    core.setSecret(token)
    const issuedAt = core.getState(STATE.issuedAt)
    own = {
      mintedBy: issuedAt ? 'main step' : 'another job of this run (shared-token)',
      mintedAt: issuedAt || undefined,
      expiresAt: core.getState(STATE.expiresAt) || undefined,
      outcome: 'not revoked: the revocation failed (see the warnings)'
    }
    try {
      own.outcome = await revokeOwnToken(deps, token, network)
    } catch (error) {
      core.warning(`binarly-m2m-auth: ${describeError(error)}`)
    }
  }
  const minted = await endTokenCommand(deps, network)
  // A renewal replaced the token the jobs of the run share for this job only: it stays valid for the others.
  if (own && minted.some(row => row.mintedBy === 'renewal of the shared token')) {
    own.outcome = `${own.outcome}; binarly-token --renew replaced it for this job only`
  }
  await writeAudit(deps, own ? [own, ...minted] : minted)
}

/** The job's token audit, when there is a token to tell of; one that cannot be written is a debug line. */
async function writeAudit(deps: PostDeps, rows: AuditRow[]): Promise<void> {
  if (rows.length === 0) return
  await deps
    .writeSummary(renderTokenAudit(rows))
    .catch((error: unknown) => deps.core.debug(`No job summary written: ${describeError(error)}`))
}

/** Revokes the main step's token unless there is a reason not to; resolves with what became of it. */
async function revokeOwnToken(
  deps: PostDeps,
  token: string,
  network: () => Promise<string | undefined>
): Promise<string> {
  const { core } = deps
  const skip = (why: string, outcome: string): string => {
    core.debug(`Revocation skipped: ${sentence(why)}`)
    return outcome
  }
  if (core.getState(STATE.shared) === 'true') {
    return skip(
      'the token is shared with other jobs of this run (share, or shared-token), which may still need it',
      'not revoked: shared with other jobs of this run'
    )
  }
  const expiresAt = core.getState(STATE.expiresAt)
  if (expiresAt && Date.parse(expiresAt) <= deps.clock.now()) {
    return skip(`the token expired at ${expiresAt}`, 'expired before the post step')
  }

  const config = readConfig(deps.inputs, { readFile: path => deps.readFile(path) })
  if (!config.revoke) return skip('revoke is false', 'not revoked: revoke is false')
  maskConfiguredSecrets(config, deps.env, secret => core.setSecret(secret))
  const revocationEndpoint = core.getState(STATE.revocationEndpoint)
  if (!revocationEndpoint) {
    return skip(
      'no revocation endpoint is known (auth-url is not a Keycloak token endpoint, and discovery named none)',
      'not revoked: no revocation endpoint is known'
    )
  }
  const refused = await network()
  if (refused) return refused
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
  core.info(`Revoked the access token at ${printable(revocationEndpoint, 500)}.`)
  return 'revoked'
}
