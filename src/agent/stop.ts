/**
 * token-command, in the post step: stops the job's token agent, removes its directory, and revokes every
 * token the agent minted that is still valid (the main step's own token is revoked by run-post as before).
 * It trusts only the main step's state and the inputs, never the agent's directory, which later steps can
 * rewrite: the socket, process and stop key come from the state; the answer counts only once the agent has
 * proved it knows the stop key (stop-request.ts), and holds token records, nothing else; where the client's
 * credentials go (revocation and token endpoints, the GitHub OIDC audience) is what the main step used, or
 * what auth-url gives by the main step's rules. Never throws: an agent that cannot be reached or verified,
 * or a token that cannot be revoked, is a warning (such tokens expire on their own). Resolves with a row of
 * the job's token audit for every token the agent minted.
 */
import { rmSync } from 'node:fs'
import { basename, dirname } from 'node:path'
import { readConfig, type Config } from '../common/config.js'
import { describeError, sentence } from '../common/errors.js'
import { printable } from '../common/server-text.js'
import { resolveEndpoints, type Endpoints } from '../oauth/endpoints.js'
import { oidcAudience } from '../oauth/github-oidc.js'
import { postStepRevocation } from '../oauth/post-revocation.js'
import { revokeTimeoutMs, revokeToken } from '../oauth/revoke.js'
import { BASE_DELAY_MS, MAX_DELAY_MS } from '../net/retry.js'
import type { PostDeps } from '../runner/deps.js'
import { maskConfiguredSecrets } from '../runner/masking.js'
import { STATE } from '../runner/state.js'
import type { AuditRow } from '../runner/summary.js'
import { SHORT_SOCKET_PREFIX, type StopLine } from './protocol.js'
import { requestStop } from './stop-request.js'

/** How long the post step waits for the agent to exit after its answer. */
const STOP_WAIT_MS = 5000
/** How long the post step waits for the answer when the state does not say (the default timeout, and 5 s). */
const DEFAULT_ANSWER_WAIT_MS = 35_000
const WARNING = 'binarly-m2m-auth: binarly-token:'

export interface CleanupDeps extends Pick<
  PostDeps,
  'core' | 'inputs' | 'env' | 'transport' | 'clock' | 'readFile' | 'trustCAs'
> {
  /** Whether a process is still there (a zombie is not). */
  alive(pid: number): boolean
  kill(pid: number): void
  /**
   * Puts the main step's network back before the first request (run-post.ts); resolves with the outcome of
   * every revocation when it cannot be honoured: no credential is sent then.
   */
  network?: () => Promise<string | undefined>
}

export async function stopTokenAgent(deps: CleanupDeps): Promise<AuditRow[]> {
  const { core } = deps
  const state = (name: string): string => core.getState(name)
  const dir = state(STATE.tokenAgentDir)
  if (!dir) return []
  const socket = state(STATE.tokenAgentSocket)
  const stopKey = state(STATE.tokenAgentStopKey)
  const pid = Number(state(STATE.tokenAgentPid))
  core.setSecret(stopKey)
  let records: StopLine[] | undefined
  try {
    records = await requestStop(socket, stopKey, Number(state(STATE.tokenAgentWaitMs)) || DEFAULT_ANSWER_WAIT_MS)
  } catch (error) {
    core.warning(
      `${WARNING} could not stop the job's token agent: ${sentence(describeError(error))} Every token binarly-token minted in this job stays valid until it expires (how many it minted only the agent knew). If a step of this job ends or replaces the agent, do not run it in the same job as token-command: true.`
    )
  }
  if (records) {
    // Masked before anything else is written: the tokens of the agent the main step started.
    for (const record of records) if (record.token) core.setSecret(record.token)
    if (pid > 0) await waitForExit(pid, deps)
  }
  for (const path of leftovers(dir, socket)) rmSync(path, { recursive: true, force: true })
  if (!records)
    return [
      {
        mintedBy: 'binarly-token',
        mintedAt: undefined,
        expiresAt: undefined,
        outcome: 'unknown: the agent could not be reached or verified'
      }
    ]
  const live = records.filter(record => record.token).length
  core.info(
    `Stopped the token agent of binarly-token; it minted ${records.length} token${records.length === 1 ? '' : 's'}, ${live} still valid.`
  )
  const outcomes = live > 0 ? await revokeMinted(records, deps) : new Map<StopLine, string>()
  return records.map(record => ({
    mintedBy: record.source,
    mintedAt: record.mintedAt,
    expiresAt: record.expiresAt ?? undefined,
    outcome:
      outcomes.get(record) ??
      (record.revokedAtRenewal ? `revoked at its renewal (${record.revokedAtRenewal})` : 'expired before the post step')
  }))
}

/** Waits for the agent to exit after its answer; one that hangs is ended (it proved to be the agent). */
async function waitForExit(pid: number, deps: CleanupDeps): Promise<void> {
  const deadline = deps.clock.now() + STOP_WAIT_MS
  while (deps.alive(pid) && deps.clock.now() < deadline) await deps.clock.sleep(50)
  if (!deps.alive(pid)) {
    deps.core.debug(`The token agent (process ${pid}) has ended.`)
    return
  }
  deps.kill(pid)
  deps.core.debug(
    `The token agent (process ${pid}) had not ended ${STOP_WAIT_MS / 1000} s after its answer: killed it.`
  )
}

/** The agent's directory, and the socket's own directory when a deep RUNNER_TEMP put it elsewhere. */
function leftovers(dir: string, socket: string): string[] {
  const socketDir = dirname(socket)
  return socketDir !== dir && basename(socketDir).startsWith(SHORT_SOCKET_PREFIX) ? [dir, socketDir] : [dir]
}

/** Revokes the still valid tokens; resolves with what became of each. */
async function revokeMinted(records: StopLine[], deps: CleanupDeps): Promise<Map<StopLine, string>> {
  const { core } = deps
  const outcomes = new Map<StopLine, string>()
  const live = records.filter(record => record.token)
  const all = (outcome: string): Map<StopLine, string> => {
    for (const record of live) outcomes.set(record, outcome)
    return outcomes
  }
  let config: Config
  try {
    config = readConfig(deps.inputs, { readFile: path => deps.readFile(path) })
  } catch (error) {
    core.warning(`${WARNING} ${describeError(error)}`)
    return all('not revoked: the inputs could not be read')
  }
  if (!config.revoke) {
    core.debug('Revocation of the tokens binarly-token minted skipped: revoke is false.')
    return all('not revoked: revoke is false')
  }
  maskConfiguredSecrets(config, deps.env, secret => core.setSecret(secret))
  const refused = await deps.network?.()
  if (refused) return all(refused)
  let target: Target
  try {
    target = await revocationTarget(config, deps)
  } catch (error) {
    core.warning(`${WARNING} ${describeError(error)}`)
    return all('not revoked: no revocation endpoint could be found')
  }
  if (!target.endpoints.revocationEndpoint) {
    core.debug(
      'Revocation of the tokens binarly-token minted skipped: no revocation endpoint is known (auth-url is not a Keycloak token endpoint, and discovery named none).'
    )
    return all('not revoked: no revocation endpoint is known')
  }
  const { revocationEndpoint, tokenEndpoint } = target.endpoints
  const revokeDeps = await postStepRevocation(config, revocationEndpoint, target.audience, deps)
  let revoked = 0
  for (const record of live) {
    try {
      await revokeToken(
        config,
        { token: record.token ?? '', revocationEndpoint, tokenEndpoint, expiresAt: record.expiresAt ?? '' },
        revokeDeps
      )
      outcomes.set(record, 'revoked')
      revoked++
    } catch (error) {
      core.warning(`binarly-m2m-auth: ${describeError(error)}`)
      outcomes.set(record, 'not revoked: the revocation failed (see the warnings)')
    }
  }
  core.info(
    `Revoked ${revoked} of the ${live.length} tokens binarly-token minted at ${printable(revocationEndpoint, 500)}.`
  )
  return outcomes
}

interface Target {
  endpoints: Endpoints
  audience: string | undefined
}

/**
 * Where the tokens are revoked and with which GitHub OIDC audience: what the main step used (its state), or,
 * when it made no request (it reused a shared-token), what auth-url gives by the main step's rules
 * (discovery's endpoints held to auth-url's origin). Never anything the agent said.
 */
async function revocationTarget(config: Config, deps: CleanupDeps): Promise<Target> {
  const state = (name: string): string => deps.core.getState(name)
  const tokenEndpoint = state(STATE.tokenEndpoint)
  if (tokenEndpoint) {
    return {
      endpoints: {
        tokenEndpoint,
        revocationEndpoint: state(STATE.revocationEndpoint) || undefined,
        issuer: undefined,
        discoveredFrom: undefined
      },
      audience: state(STATE.oidcAudience) || undefined
    }
  }
  const totalMs = revokeTimeoutMs(config)
  const endpoints = await resolveEndpoints(config.authUrl, deps.transport, {
    policy: { retries: 0, deadline: deps.clock.now() + totalMs, baseDelayMs: BASE_DELAY_MS, maxDelayMs: MAX_DELAY_MS },
    totalMs,
    clock: deps.clock,
    log: deps.core
  })
  return { endpoints, audience: oidcAudience(config, endpoints) }
}
