/**
 * token-command: true, in the main step: starts the job's token agent (agent/server.ts) as a detached
 * process of the runner's Node, hands it the configuration over its IPC pipe, and puts `binarly-token`
 * (a POSIX sh script and a Windows .cmd, both running dist/token) on PATH for the later steps. The agent's
 * directory is 0700, fresh under RUNNER_TEMP; it holds the socket (POSIX), the callers' key file and the
 * scripts, never a credential. What the post step needs to stop the agent (its socket, process and a stop
 * key of its own) goes into the main step's state, which later steps cannot read or change.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { AGENT_DIR_VARIABLE, AGENT_FILE, COMMAND_VARIABLE, SHORT_SOCKET_PREFIX, type AgentFile } from './protocol.js'
import { closeIpc } from './ipc.js'
import { freshSecret } from './stop-proof.js'
import type { Config } from '../common/config.js'
import type { Core, Deps } from '../runner/deps.js'
import type { Endpoints } from '../oauth/endpoints.js'
import { InputError } from '../common/errors.js'
import type { IssuedToken } from '../runner/outputs.js'
import { STATE } from '../runner/state.js'
import type { AgentSetup } from './server.js'

export const COMMAND_NAME = 'binarly-token'
export { COMMAND_VARIABLE }
/** The agent ends by itself this long after it started, if nothing ended it before. */
export const AGENT_MAX_LIFETIME_MS = 24 * 60 * 60 * 1000
/** How much longer than `timeout` the post step waits for the agent's stop answer (it waits for exchanges). */
const STOP_GRACE_MS = 5000
/** How long the main step waits for the agent to listen. */
const START_TIMEOUT_MS = 15_000
/** Unix socket paths longer than this do not fit in sockaddr_un on every system (macOS: 104 bytes). */
const MAX_SOCKET_PATH = 100

/** The variables the agent keeps from the main step's environment: no INPUT_* (they hold the secret). */
const AGENT_ENV =
  /^(PATH|HOME|USERPROFILE|SYSTEMROOT|WINDIR|COMSPEC|TEMP|TMP|TMPDIR|LANG|LC_ALL|TZ|RUNNER_TEMP|RUNNER_TRACKING_ID|NODE_EXTRA_CA_CERTS|NODE_OPTIONS|NODE_USE_ENV_PROXY|NODE_V8_COVERAGE|SSL_CERT_FILE|SSL_CERT_DIR|HTTPS_PROXY|HTTP_PROXY|NO_PROXY|ACTIONS_ID_TOKEN_REQUEST_URL|ACTIONS_ID_TOKEN_REQUEST_TOKEN)$/i

export function agentEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => AGENT_ENV.test(name)))
}

export interface TokenCommandDeps {
  core: Pick<Core, 'info' | 'setOutput' | 'exportVariable' | 'saveState' | 'addPath' | 'setSecret'>
  env: NodeJS.ProcessEnv
  /** The runner's Node (in a container job: the one mounted into the container). */
  nodePath: string
  /** The directory holding the bundles (dist/): dist/agent and dist/token are siblings of dist/main. */
  bundleRoot: string
  platform: NodeJS.Platform
  /** The process that started the main step; 0 or 1 when unknown (a container's first process). */
  parentPid: number
}

/** The real process: the runner's Node, the bundles next to this one, the runner worker as parent. */
export function processTokenCommandDeps(deps: Pick<Deps, 'core' | 'env'>): TokenCommandDeps {
  return {
    core: deps.core,
    env: deps.env,
    nodePath: process.execPath,
    /* c8 ignore next: argv[1] (the bundle a runner runs) is always there; the fallback is for the type checker */
    bundleRoot: dirname(dirname(process.argv[1] ?? '.')),
    platform: process.platform,
    parentPid: process.ppid
  }
}

/** The sh script later steps run as `binarly-token`. */
export function shScript(node: string, bundle: string, dir: string): string {
  const q = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`
  return `#!/bin/sh\n# binarly-token (binarly-m2m-auth token-command): prints an access token for this job.\n${AGENT_DIR_VARIABLE}=${q(dir)}\nexport ${AGENT_DIR_VARIABLE}\nexec ${q(node)} ${q(bundle)} "$@"\n`
}

/**
 * The cmd script (pwsh and cmd find it through PATHEXT). Its paths may hold what cmd treats specially: inside
 * quotes, & ( ) ^ are plain; % is doubled; ! is plain only with delayed expansion off, which `setlocal` turns
 * off whatever the caller had (a `call binarly-token` from a script with `setlocal EnableDelayedExpansion`
 * would otherwise drop the text between two !).
 */
export function cmdScript(node: string, bundle: string, dir: string): string {
  const q = (value: string): string => value.replace(/%/g, '%%')
  return `@echo off\r\nrem binarly-token (binarly-m2m-auth token-command): prints an access token for this job.\r\nsetlocal EnableExtensions DisableDelayedExpansion\r\nset "${AGENT_DIR_VARIABLE}=${q(dir)}"\r\n"${q(node)}" "${q(bundle)}" %*\r\nexit /b %ERRORLEVEL%\r\n`
}

/**
 * Starts the agent with the main step's token and configuration, and hands the command to later steps.
 * Call only with a masked token.
 */
export async function installTokenCommand(
  config: Config,
  endpoints: Endpoints | undefined,
  token: IssuedToken,
  deps: TokenCommandDeps,
  /** Other jobs of the run use `token` (share, or shared-token): the agent never revokes it. */
  sharedToken = false
): Promise<void> {
  const { core, env } = deps
  for (const program of ['agent', 'token']) {
    const path = join(deps.bundleRoot, program, 'index.js')
    if (!existsSync(path)) {
      throw new InputError(
        'token-command',
        `needs the action's bundled programs, and ${path} does not exist: run the action as a workflow step (uses:), whose dist/ has them, or set token-command: false (as under @github/local-action, which runs src/ instead).`
      )
    }
  }
  const windows = deps.platform === 'win32'
  const temp = env.RUNNER_TEMP || tmpdir()
  const dir = mkdtempSync(join(temp, `${COMMAND_NAME}-`))
  chmodSync(dir, 0o700)
  const cleanup = [dir]
  const key = freshSecret()
  const stopKey = freshSecret()
  core.setSecret(stopKey)
  let socket: string
  if (windows) {
    socket = `\\\\.\\pipe\\${COMMAND_NAME}-${randomBytes(16).toString('hex')}`
  } else {
    socket = join(dir, 'agent.sock')
    if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
      // A deep RUNNER_TEMP (self-hosted runners): the socket goes into a fresh 0700 directory in /tmp.
      const short = mkdtempSync(join(tmpdir(), SHORT_SOCKET_PREFIX))
      chmodSync(short, 0o700)
      cleanup.push(short)
      socket = join(short, 'agent.sock')
    }
  }

  const setup: AgentSetup = {
    config: { ...config, authUrl: config.authUrl.href },
    endpoints,
    token: { ...token, expiresAt: token.expiresAt?.toISOString() },
    sharedToken,
    socket,
    dir,
    cleanup,
    key,
    stopKey,
    watchPid: deps.parentPid > 1 ? deps.parentPid : undefined,
    maxLifetimeMs: AGENT_MAX_LIFETIME_MS
  }
  Reflect.deleteProperty(setup.config, 'warnings')
  let pid: number
  try {
    pid = await startAgentProcess(deps, setup)
  } catch (error) {
    for (const path of cleanup) rmSync(path, { recursive: true, force: true })
    throw error
  }

  const agentFile: AgentFile = { socket, key, timeoutMs: config.timeoutMs }
  writeFileSync(join(dir, AGENT_FILE), JSON.stringify(agentFile), { mode: 0o600 })
  const bin = join(dir, 'bin')
  mkdirSync(bin, { mode: 0o700 })
  const bundle = join(deps.bundleRoot, 'token', 'index.js')
  const sh = join(bin, COMMAND_NAME)
  writeFileSync(sh, shScript(deps.nodePath, bundle, dir), { mode: 0o700 })
  const cmd = join(bin, `${COMMAND_NAME}.cmd`)
  writeFileSync(cmd, cmdScript(deps.nodePath, bundle, dir), { mode: 0o700 })
  const command = windows ? cmd : sh

  core.addPath(bin)
  core.exportVariable(COMMAND_VARIABLE, command)
  core.setOutput('token-command', command)
  core.saveState(STATE.tokenAgentDir, dir)
  core.saveState(STATE.tokenAgentPid, String(pid))
  core.saveState(STATE.tokenAgentSocket, socket)
  core.saveState(STATE.tokenAgentStopKey, stopKey)
  core.saveState(STATE.tokenAgentWaitMs, String(agentFile.timeoutMs + STOP_GRACE_MS))
  core.info(
    `${COMMAND_NAME} is on PATH for the later steps of this job (${command}). Its agent (process ${pid}) keeps the credentials in memory only; the post step stops it.`
  )
}

/** Spawns the agent, sends the setup, waits for "ready"; resolves with its pid. */
function startAgentProcess(deps: TokenCommandDeps, setup: AgentSetup): Promise<number> {
  const script = join(deps.bundleRoot, 'agent', 'index.js')
  // Detached (its own session: it outlives this step), no stdio of ours (the runner waits for the step's
  // stdout and stderr to close), the IPC pipe for the setup only.
  const child = spawn(deps.nodePath, [script], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    env: agentEnv(deps.env),
    // Not RUNNER_TEMP: on Windows a process's working directory cannot be deleted, and the runner empties it.
    cwd: tmpdir(),
    windowsHide: true
  })
  return new Promise<number>((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(
        new Error(
          `token-command: the token agent did not start (${why}). Set token-command: false to go without binarly-token; if this keeps happening, report it with the job's log.`
        )
      )
    }
    const timer = setTimeout(() => fail(`no answer within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS)
    child.once('error', error => fail(error.message))
    child.once('exit', code => fail(`it exited with code ${String(code)}`))
    child.once('message', (message: { ready: true } | { error: string }) => {
      if ('error' in message) return fail(message.error)
      clearTimeout(timer)
      child.removeAllListeners('exit')
      closeIpc(child)
      child.unref()
      resolve(Number(child.pid))
    })
    child.send(setup)
  })
}
