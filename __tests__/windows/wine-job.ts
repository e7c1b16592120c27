/**
 * A job as a Windows runner runs it, under Wine (scripts/wine.mjs): a worker (worker.mjs under node.exe, the
 * Runner.Worker's part) that lives through the job and starts each step as its child; action steps run
 * `node.exe <action>\dist\<step>\index.js` with every input as `INPUT_*` (action.yml's defaults filled in),
 * file commands with Windows paths (read as the runner reads them, CRLF lines included), RUNNER_TEMP on drive
 * D: (D:\a\_temp by default, as on GitHub's Windows runners); `cmd` steps are script files in RUNNER_TEMP run
 * as `cmd /D /E:ON /V:OFF /S /C "CALL "<script>""`, with PATH extended by every GITHUB_PATH entry so far and
 * the GITHUB_ENV variables. Every step's stdout and stderr go to files of the test outside the job's drives
 * (node.exe under Wine fails when they are pipes; the real runner gives pipes).
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { CHROOT, DRIVE_D, nodeExe, spawnInChroot, WINE, WINEPREFIX } from '../../scripts/wine.mjs'
import { readActionYml } from '../support/action-yml.ts'
import { parseFileCommand, ROOT, visibleOutput, type StepResult } from '../support/runner.ts'
import { STATE } from '../../src/runner/state.ts'

/** The bundles to run: the committed dist/ (what `uses:` runs), or WINDOWS_DIST. */
const DIST = process.env.WINDOWS_DIST ?? join(ROOT, 'dist')
/** The test's own files, outside the job's drives: the worker's script, the step logs, what steps "sent". */
const OWN = join(CHROOT, 'srv', 'binarly')
export const OWN_WIN = 'Z:\\srv\\binarly'

/** The host path of a Windows path on C: (the prefix's drive_c), D: (the runner's drive) or Z: (the chroot). */
export function hostPath(windowsPath: string): string {
  const rest = windowsPath.slice(3).split('\\')
  const drive = windowsPath.slice(0, 2).toUpperCase()
  if (drive === 'D:') return join(CHROOT, DRIVE_D.slice(1), ...rest)
  if (drive === 'C:') return join(CHROOT, WINEPREFIX.slice(1), 'drive_c', ...rest)
  if (drive === 'Z:') return join(CHROOT, ...rest)
  throw new Error(`no host path for ${windowsPath}`)
}

export interface JobOptions {
  /** RUNNER_TEMP (default D:\a\_temp). */
  temp?: string
  /** Where the runner put the action (default D:\a\_actions\binarly-io\binarly-m2m-auth\v1). */
  action?: string
  /** A directory name under Z:\opt for node.exe instead of Z:\opt\node-win\<version> (a link to it). */
  nodeDirName?: string
}

export interface CmdResult {
  code: number | null
  stdout: string
  stderr: string
}

interface Answer {
  code: number | null
  error?: string
  alive?: boolean
}

export interface WineJob {
  temp: string
  env: Record<string, string>
  paths: string[]
  state: Record<string, string>
  /** Every step's visible output and files, in order. */
  logs: { name: string; text: string }[]
  /** The worker's Windows pid: the main step's parent, which the agent watches. */
  workerPid: number
  main(inputs: Record<string, string>): Promise<StepResult>
  post(inputs: Record<string, string>): Promise<StepResult>
  cmd(name: string, lines: string[]): Promise<CmdResult>
  /** Whether a Windows process of this Wine session runs (asked of the worker). */
  alive(pid: number): Promise<boolean>
  /** The agent's Windows pid, from the main step's state. */
  agentPid(): number
  /** What a step wrote to Z:\srv\binarly\capture\<name>.txt (its stand-in for an API call), trimmed. */
  captured(name: string): string
  /** Ends the worker, as the runner's worker ends with a cancelled job. */
  cancel(): Promise<void>
}

/** Starts a job: a fresh D:\a, the bundles copied where the runner puts the action, and the worker. */
export async function startWineJob(version: string, options: JobOptions = {}): Promise<WineJob> {
  const temp = options.temp ?? 'D:\\a\\_temp'
  const action = options.action ?? 'D:\\a\\_actions\\binarly-io\\binarly-m2m-auth\\v1'
  const workspace = 'D:\\a\\repo\\repo'
  // A fresh machine: nothing of an earlier job on D:, nor in C:\proc (a test writes there).
  rmSync(hostPath('D:\\a'), { recursive: true, force: true })
  for (const path of ['D:\\proc', 'C:\\proc']) rmSync(hostPath(path), { recursive: true, force: true })
  rmSync(OWN, { recursive: true, force: true })
  for (const dir of [temp, `${temp}\\_runner_file_commands`, workspace]) mkdirSync(hostPath(dir), { recursive: true })
  for (const dir of ['logs', 'capture']) mkdirSync(join(OWN, dir), { recursive: true })
  for (const step of ['main', 'post', 'agent', 'token']) {
    cpSync(join(DIST, step), hostPath(`${action}\\dist\\${step}`), { recursive: true })
  }
  copyFileSync(join(ROOT, '__tests__', 'windows', 'worker.mjs'), join(OWN, 'worker.mjs'))
  let node = nodeExe(version)
  if (options.nodeDirName) {
    const link = join(CHROOT, 'opt', options.nodeDirName)
    rmSync(link, { force: true })
    symlinkSync(join('/opt/node-win', version), link)
    node = `Z:\\opt\\${options.nodeDirName}\\node.exe`
  }

  const listener = createServer()
  await new Promise<void>(resolve => listener.listen(0, '127.0.0.1', resolve))
  const done = spawnInChroot(
    [WINE, node, `${OWN_WIN}\\worker.mjs`],
    { WORKER_PORT: String((listener.address() as AddressInfo).port) },
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
  const lines = createInterface({ input: socket })
  const workerPid = await new Promise<number>(resolve =>
    lines.once('line', line => resolve((JSON.parse(line) as { ready: number }).ready))
  )
  const answers = new Map<number, (answer: Answer) => void>()
  lines.on('line', line => {
    const answer = JSON.parse(line) as Answer & { id: number }
    answers.get(answer.id)?.(answer)
    answers.delete(answer.id)
  })
  let ids = 0
  /** Has the worker start one program and waits for its exit (a safety net of 120 s, not a timing check). */
  const run = (request: Record<string, unknown>): Promise<Answer> => {
    const id = ++ids
    return new Promise<Answer>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer from the worker: ${JSON.stringify(request)}`)),
        120_000
      )
      answers.set(id, answer => {
        clearTimeout(timer)
        resolve(answer)
      })
      socket.write(`${JSON.stringify({ id, ...request })}\n`)
    })
  }

  let steps = 0
  const names = { output: 'set_output', env: 'set_env', state: 'save_state', path: 'add_path', summary: 'step_summary' }
  type Files = Record<keyof typeof names, string>
  /** The file commands of one step, as the runner makes them: empty files with Windows paths. */
  const fileCommands = (): Files => {
    const n = ++steps
    const files = Object.fromEntries(
      Object.entries(names).map(([key, name]) => [key, `${temp}\\_runner_file_commands\\${name}_${n}_${randomUUID()}`])
    ) as Files
    for (const path of Object.values(files)) writeFileSync(hostPath(path), '')
    return files
  }
  const read = (path: string): string => readFileSync(hostPath(path), 'utf8')
  /** The runner reads file commands line by line; on Windows, @actions/core ends lines with CRLF. */
  const lf = (text: string): string => text.replace(/\r\n/g, '\n')
  const collect = (files: Files): void => {
    const added = lf(read(files.path)).split('\n').filter(Boolean)
    job.paths.unshift(...added.reverse())
    Object.assign(job.env, parseFileCommand(lf(read(files.env))))
  }
  const stepEnv = (files: Files): Record<string, string> => ({
    ...job.env,
    GITHUB_OUTPUT: files.output,
    GITHUB_ENV: files.env,
    GITHUB_STATE: files.state,
    GITHUB_PATH: files.path,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'binarly-io/firmware-pipeline',
    GITHUB_RUN_ID: '4242',
    GITHUB_WORKSPACE: workspace,
    RUNNER_OS: 'Windows',
    RUNNER_TEMP: temp
  })
  const logsOf = (name: string): { stdout: string; stderr: string } => ({
    stdout: readFileSync(join(OWN, 'logs', `${name}.out`), 'utf8'),
    stderr: readFileSync(join(OWN, 'logs', `${name}.err`), 'utf8')
  })
  const stdio = (name: string): { stdout: string; stderr: string } => ({
    stdout: `${OWN_WIN}\\logs\\${name}.out`,
    stderr: `${OWN_WIN}\\logs\\${name}.err`
  })

  async function actionStep(step: 'main' | 'post', given: Record<string, string>): Promise<StepResult> {
    const files = fileCommands()
    const inputs: Record<string, string> = {}
    for (const [name, entry] of Object.entries(readActionYml().inputs)) {
      inputs[`INPUT_${name.toUpperCase()}`] = given[name] ?? (typeof entry.default === 'string' ? entry.default : '')
    }
    const state =
      step === 'post' ? Object.fromEntries(Object.entries(job.state).map(([k, v]) => [`STATE_${k}`, v])) : {}
    const started = Date.now()
    const answer = await run({
      file: 'node',
      args: [`${action}\\dist\\${step}\\index.js`],
      env: { ...stepEnv(files), ...inputs, ...state },
      path: job.paths,
      cwd: workspace,
      ...stdio(step)
    })
    const { stdout, stderr } = logsOf(step)
    const raw = {
      output: read(files.output),
      env: read(files.env),
      state: read(files.state),
      summary: read(files.summary)
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

  async function cmdStep(name: string, lines: string[]): Promise<CmdResult> {
    const files = fileCommands()
    const script = `${temp}\\${randomUUID()}.cmd`
    writeFileSync(hostPath(script), `${lines.join('\r\n')}\r\n`)
    const answer = await run({
      file: 'C:\\windows\\system32\\cmd.exe',
      args: [`/D /E:ON /V:OFF /S /C "CALL "${script}""`],
      verbatim: true,
      env: stepEnv(files),
      path: job.paths,
      cwd: workspace,
      ...stdio(name)
    })
    rmSync(hostPath(script))
    collect(files)
    const { stdout, stderr } = logsOf(name)
    const visible = `${stdout}\n${stderr}`
      .split(/\r?\n/)
      .filter(l => !l.startsWith('::add-mask::'))
      .join('\n')
    job.logs.push({ name, text: visible })
    return { code: answer.code, stdout, stderr }
  }

  const job: WineJob = {
    temp,
    env: {},
    paths: [],
    state: {},
    logs: [],
    workerPid,
    main: inputs => actionStep('main', inputs),
    post: inputs => actionStep('post', inputs),
    cmd: cmdStep,
    alive: async pid => (await run({ alive: pid })).alive === true,
    agentPid: () => Number(job.state[STATE.tokenAgentPid]),
    captured: name => readFileSync(join(OWN, 'capture', `${name}.txt`), 'utf8').trim(),
    cancel: async () => {
      socket.end()
      await done
    }
  }
  return job
}

/**
 * Ends whatever a job left running in Wine (nothing, when its post step did its work), and waits until the
 * wineserver is gone: a worker started while it shuts down would lose its processes with it.
 */
export async function endWine(): Promise<void> {
  const quiet = { stdout: '/dev/null', stderr: '/dev/null' }
  await spawnInChroot(['wineserver', '--kill'], {}, quiet)
  await spawnInChroot(['wineserver', '--wait'], {}, quiet)
}

/** Linux pids of the Wine processes whose command line holds `text` (the agent: dist\agent\index.js). */
export function wineProcesses(text: string): number[] {
  return readdirSync('/proc')
    .filter(entry => /^\d+$/.test(entry))
    .filter(entry => {
      try {
        return readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)
      } catch {
        return false
      }
    })
    .map(Number)
}
