/**
 * token-command, in the post step: stops the job's token agent, removes its directory, and revokes every
 * token the agent minted that is still valid (the main step's own token is revoked by run-post as before).
 * Never throws: whatever goes wrong is a warning, and tokens that cannot be revoked expire on their own.
 */
import { askAgent, readAgentFile } from './client.js'
import type { StopAnswer } from './protocol.js'
import { rmSync } from 'node:fs'
import { basename, dirname } from 'node:path'
import { readConfig } from '../common/config.js'
import type { PostDeps } from '../runner/deps.js'
import { describeError } from '../common/errors.js'
import { maskConfiguredSecrets } from '../runner/masking.js'
import { postStepRevocation, revokeToken } from '../oauth/revoke.js'
import { STATE } from '../runner/state.js'
import { SHORT_SOCKET_PREFIX } from './protocol.js'

/** How long the post step waits for the agent to exit after its answer. */
const STOP_WAIT_MS = 5000

export interface CleanupDeps extends Pick<
  PostDeps,
  'core' | 'inputs' | 'env' | 'transport' | 'clock' | 'readFile' | 'trustCAs'
> {
  alive(pid: number): boolean
  kill(pid: number): void
}

export async function stopTokenAgent(deps: CleanupDeps): Promise<void> {
  const { core } = deps
  const dir = core.getState(STATE.tokenAgentDir)
  if (!dir) return
  const pid = Number(core.getState(STATE.tokenAgentPid))
  let stopped: StopAnswer | undefined
  try {
    // Waits as long as a caller would: the agent answers once an exchange it is running has finished.
    stopped = await askAgent<StopAnswer>(dir, { op: 'stop' })
    for (const token of stopped.minted) core.setSecret(token.accessToken)
  } catch (error) {
    core.info(`The token agent had ended already: ${describeError(error)}`)
  }
  if (stopped && pid > 0) {
    // It exits right after its answer; one that hangs is ended here (it is known to be the agent: it answered).
    const deadline = deps.clock.now() + STOP_WAIT_MS
    while (deps.alive(pid) && deps.clock.now() < deadline) await deps.clock.sleep(50)
    if (deps.alive(pid)) deps.kill(pid)
  }
  for (const path of leftovers(dir)) rmSync(path, { recursive: true, force: true })
  if (!stopped) return
  core.info(
    `Stopped the token agent of binarly-token; it minted ${stopped.minted.length} token${stopped.minted.length === 1 ? '' : 's'} still valid.`
  )
  if (stopped.minted.length > 0) await revokeMinted(stopped, deps)
}

/** The agent's directory, and the socket's own directory when a deep RUNNER_TEMP put it elsewhere. */
function leftovers(dir: string): string[] {
  try {
    const { socket } = readAgentFile(dir)
    const socketDir = dirname(socket)
    return socketDir !== dir && basename(socketDir).startsWith(SHORT_SOCKET_PREFIX) ? [dir, socketDir] : [dir]
  } catch {
    return [dir]
  }
}

async function revokeMinted(stopped: StopAnswer, deps: CleanupDeps): Promise<void> {
  const { core } = deps
  const config = readConfig(deps.inputs, { readFile: path => deps.readFile(path) })
  if (!config.revoke) {
    core.debug('Revocation of the tokens binarly-token minted skipped: revoke is false.')
    return
  }
  maskConfiguredSecrets(config, deps.env, secret => core.setSecret(secret))
  const { revocationEndpoint } = stopped
  if (!revocationEndpoint) {
    core.debug(
      'Revocation of the tokens binarly-token minted skipped: no revocation endpoint is known (auth-url is not a Keycloak token endpoint, and discovery named none).'
    )
    return
  }
  const revokeDeps = await postStepRevocation(config, revocationEndpoint, stopped.oidcAudience || undefined, deps)
  let revoked = 0
  for (const token of stopped.minted) {
    try {
      await revokeToken(
        config,
        {
          token: token.accessToken,
          revocationEndpoint,
          tokenEndpoint: stopped.tokenEndpoint,
          expiresAt: token.expiresAt ?? ''
        },
        revokeDeps
      )
      revoked++
    } catch (error) {
      core.warning(`binarly-m2m-auth: ${describeError(error)}`)
    }
  }
  core.info(`Revoked ${revoked} of the ${stopped.minted.length} tokens binarly-token minted at ${revocationEndpoint}.`)
}
