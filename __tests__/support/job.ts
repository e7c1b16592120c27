/**
 * A job as the runner runs it: one RUNNER_TEMP, HOME and workspace for all its steps, a RUNNER_TRACKING_ID,
 * action steps run by runStep (runner.ts), `run:` steps as fresh `bash --noprofile --norc -eo pipefail` or
 * `sh -e` shells of a script file, with PATH extended by every GITHUB_PATH entry so far (newest first) and
 * the variables GITHUB_ENV collected (from action steps and `run:` steps alike). Every step's result is kept, for leak scans over the whole job.
 */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import assert from 'node:assert/strict'
import { parseFileCommand, runStep, visibleOutput, type StepOptions, type StepResult } from './runner.ts'

export interface ShellResult {
  code: number | null
  stdout: string
  stderr: string
  /** `::add-mask::` values from either stream. */
  masks: string[]
  /** What the runner would show: both streams without `::add-mask::` lines. */
  visible: string
}

export interface ShellOptions {
  shell?: 'bash' | 'sh'
  env?: Record<string, string>
  name?: string
  /** Kill the step after this long (default 60 s; a safety net, not a timing assertion). */
  killAfterMs?: number
}

export interface Job {
  root: string
  temp: string
  home: string
  workspace: string
  trackingId: string
  /** GITHUB_ENV variables so far. */
  env: Record<string, string>
  /** GITHUB_PATH entries so far, newest first. */
  paths: string[]
  /** The main step's state, for the post step. */
  state: Record<string, string>
  /** Every step's visible output and files, in order. */
  logs: { name: string; text: string }[]
  main(inputs: Record<string, string>, options?: StepOptions): Promise<StepResult>
  post(inputs: Record<string, string>, options?: StepOptions): Promise<StepResult>
  /** The scan step (scan/action.yml), run in the workspace as the runner runs an action. */
  scan(inputs: Record<string, string>, options?: StepOptions): Promise<StepResult>
  run(script: string, options?: ShellOptions): Promise<ShellResult>
  close(): void
}

export function startJob(): Job {
  const root = mkdtempSync(join(tmpdir(), 'binarly-job-'))
  const temp = join(root, 'runner-temp')
  const home = join(root, 'home')
  const workspace = join(root, 'workspace')
  for (const dir of [temp, home, workspace]) mkdirSync(dir)
  const job: Job = {
    root,
    temp,
    home,
    workspace,
    trackingId: `github_${randomUUID()}`,
    env: {},
    paths: [],
    state: {},
    logs: [],
    main: (inputs, options = {}) => actionStep('main', inputs, options),
    post: (inputs, options = {}) => actionStep('post', inputs, { ...options, state: options.state ?? job.state }),
    scan: (inputs, options = {}) => actionStep('scan', inputs, { cwd: workspace, ...options }),
    run: (script, options = {}) => shellStep(script, options),
    close: () => rmSync(root, { recursive: true, force: true })
  }
  let count = 0

  const basePath = process.env.PATH ?? ''
  const stepEnv = (): Record<string, string> => ({
    ...job.env,
    PATH: [...job.paths, basePath].join(delimiter),
    HOME: home,
    RUNNER_TEMP: temp,
    RUNNER_TRACKING_ID: job.trackingId,
    GITHUB_WORKSPACE: workspace,
    // c8 collects coverage from every Node process the steps start, the binarly-token command's included.
    ...(process.env.NODE_V8_COVERAGE ? { NODE_V8_COVERAGE: process.env.NODE_V8_COVERAGE } : {})
  })

  async function actionStep(step: 'main' | 'post' | 'scan', inputs: Record<string, string>, options: StepOptions) {
    const pathFile = join(root, `path-${++count}`)
    writeFileSync(pathFile, '')
    const result = await runStep(step, inputs, {
      ...options,
      env: { ...stepEnv(), GITHUB_PATH: pathFile, ...options.env }
    })
    collect(pathFile, result.env)
    if (step === 'main') Object.assign(job.state, result.state)
    job.logs.push({
      name: step,
      text: [visibleOutput(result), ...Object.values(result.files)].join('\n')
    })
    return result
  }

  function collect(pathFile: string, env: Record<string, string>): void {
    const added = readFileSync(pathFile, 'utf8').split('\n').filter(Boolean)
    job.paths.unshift(...added.reverse())
    Object.assign(job.env, env)
  }

  async function shellStep(script: string, options: ShellOptions): Promise<ShellResult> {
    const n = ++count
    const file = join(temp, `step-${n}.sh`)
    writeFileSync(file, script)
    const pathFile = join(root, `path-${n}`)
    const envFile = join(root, `env-${n}`)
    writeFileSync(pathFile, '')
    writeFileSync(envFile, '')
    const args = options.shell === 'sh' ? ['-e', file] : ['--noprofile', '--norc', '-eo', 'pipefail', file]
    const child = spawn(options.shell ?? 'bash', args, {
      cwd: workspace,
      env: { ...stepEnv(), GITHUB_PATH: pathFile, GITHUB_ENV: envFile, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const killer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 60_000)
    const code = await new Promise<number | null>(resolve => child.on('close', resolve))
    clearTimeout(killer)
    rmSync(file)
    // What the step wrote to GITHUB_ENV holds for every later step, the post steps included.
    collect(pathFile, parseFileCommand(readFileSync(envFile, 'utf8')))
    const lines = `${stdout}\n${stderr}`.split('\n')
    const masks = lines.filter(l => l.startsWith('::add-mask::')).map(l => l.slice('::add-mask::'.length))
    const visible = lines.filter(l => !l.startsWith('::add-mask::')).join('\n')
    job.logs.push({ name: options.name ?? `run ${n}`, text: visible })
    return { code, stdout, stderr, masks, visible }
  }

  return job
}

/** Every regular file under `dir` (sockets and other special files skipped), with its text. */
export function filesUnder(dir: string): { path: string; text: string }[] {
  const found: { path: string; text: string }[] = []
  let entries: string[]
  try {
    entries = readdirSync(dir)
  } catch {
    return found
  }
  for (const name of entries) {
    const path = join(dir, name)
    const stat = statSync(path, { throwIfNoEntry: false })
    if (!stat) continue
    if (stat.isDirectory()) found.push(...filesUnder(path))
    else if (stat.isFile()) found.push({ path, text: readFileSync(path, 'latin1') })
  }
  return found
}

/** Processes (Linux /proc) whose environment holds `NAME=value`: what the runner's orphan clean-up finds. */
export function processesWithEnv(name: string, value: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0')
      if (environ.includes(`${name}=${value}`)) pids.push(Number(entry))
    } catch {
      // gone, or not ours
    }
  }
  return pids
}

/** The step, after asserting that it succeeded (its output in the failure). */
export function ok(step: ShellResult): ShellResult {
  assert.equal(step.code, 0, `the step failed:\n${step.stdout}\n${step.stderr}`)
  return step
}

/** Whether process `pid` is gone within `ms`. */
export async function waitGone(pid: number, ms = 15_000): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0)
    } catch {
      return true
    }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  return false
}
