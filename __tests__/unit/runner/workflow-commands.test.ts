/**
 * workflow-commands.ts and file-commands.ts write what @actions/core's index writes, byte for byte (file
 * command delimiters aside, which are random): same masks, outputs, env, state, annotations, with and
 * without the runner's files.
 */
import * as core from '@actions/core'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { appendSummary, fileCommands } from '../../../src/runner/file-commands.ts'
import { commands } from '../../../src/runner/workflow-commands.ts'

type Runner = typeof commands & typeof fileCommands
const runner: Runner = { ...commands, ...fileCommands }

const FILES = {
  GITHUB_OUTPUT: 'output',
  GITHUB_ENV: 'env',
  GITHUB_PATH: 'path',
  GITHUB_STATE: 'state',
  GITHUB_STEP_SUMMARY: 'summary'
}
const RUNNER_VARIABLES = [...Object.keys(FILES), 'RUNNER_DEBUG', 'STATE_token', 'EXPORTED_NAME', 'PATH']

interface Written {
  stdout: string
  files: Record<string, string>
  exitCode: typeof process.exitCode
  env: string
  result: unknown
}

/** Runs `use` with fresh runner files (or none), and returns everything it wrote, delimiters normalised. */
function capture(withFiles: boolean, extraEnv: Record<string, string>, use: () => unknown): Written {
  const saved = Object.fromEntries(RUNNER_VARIABLES.map(name => [name, process.env[name]]))
  const savedExitCode = process.exitCode
  const dir = mkdtempSync(join(tmpdir(), 'workflow-commands-'))
  for (const [variable, file] of Object.entries(FILES)) {
    Reflect.deleteProperty(process.env, variable)
    if (!withFiles) continue
    writeFileSync(join(dir, file), '')
    process.env[variable] = join(dir, file)
  }
  Object.assign(process.env, extraEnv)
  let stdout = ''
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = (chunk: string | Uint8Array) => {
    stdout += String(chunk)
    return true
  }
  let result: unknown
  try {
    result = use()
  } finally {
    process.stdout.write = write
  }
  const normalise = (text: string): string => text.replace(/ghadelimiter_[0-9a-f-]{36}/g, 'ghadelimiter_X')
  const written: Written = {
    stdout: normalise(stdout),
    files: withFiles
      ? Object.fromEntries(Object.values(FILES).map(file => [file, normalise(readFileSync(join(dir, file), 'utf8'))]))
      : {},
    exitCode: process.exitCode,
    env: `${process.env.EXPORTED_NAME ?? ''} PATH=${process.env.PATH ?? ''}`,
    result
  }
  process.exitCode = savedExitCode
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) Reflect.deleteProperty(process.env, name)
    else process.env[name] = value
  }
  rmSync(dir, { recursive: true, force: true })
  return written
}

/** Each call, made on the facade and on @actions/core; both must write the same. */
const CALLS: [string, (c: Runner) => unknown][] = [
  ['setSecret, with characters the command escapes', c => c.setSecret('s3cr%t\r\nline:2,x')],
  ['setOutput', c => c.setOutput('access-token', 'tok\nen%')],
  ['exportVariable', c => c.exportVariable('EXPORTED_NAME', 'value\r\nwith lines')],
  ['saveState', c => c.saveState('token', 'state%value\n')],
  ['addPath', c => c.addPath('/opt/binarly-token/bin')],
  ['getState', c => c.getState('token')],
  ['info', c => c.info('Got a Bearer token: 100%\n')],
  ['warning with a message', c => c.warning('shared-token cannot be used: 50% off\nnext line')],
  ['warning with an Error', c => c.warning(new Error('boom: 100%\nsecond line'))],
  ['debug', c => c.debug('Revocation skipped: 100%\r\n.')],
  ['setFailed', c => c.setFailed('binarly-m2m-auth: client-id: is empty')],
  ['setFailed with an Error', c => c.setFailed(new Error('thrown'))]
]

describe('the workflow and file commands are written as @actions/core writes them', () => {
  for (const withFiles of [true, false]) {
    for (const [name, call] of CALLS) {
      test(`${name} (${withFiles ? 'with' : 'without'} the runner's files)`, () => {
        const env = { STATE_token: 'saved-state' }
        const ours = capture(withFiles, env, () => call(runner))
        const theirs = capture(withFiles, env, () => call(core))
        assert.deepEqual(ours, theirs)
        assert.ok(ours.stdout || Object.values(ours.files).some(Boolean) || ours.result !== undefined)
      })
    }
  }

  test('isDebug follows RUNNER_DEBUG as @actions/core does', () => {
    for (const value of [undefined, '1', '0', 'true']) {
      const env: Record<string, string> = value === undefined ? {} : { RUNNER_DEBUG: value }
      assert.equal(
        capture(true, env, () => runner.isDebug()).result,
        capture(true, env, () => core.isDebug()).result,
        `RUNNER_DEBUG=${value}`
      )
    }
  })

  test('getState of a state the main step did not save is empty', () => {
    assert.equal(
      capture(true, {}, () => runner.getState('never-saved')).result,
      capture(true, {}, () => core.getState('never-saved')).result
    )
  })
})

describe('appendSummary', () => {
  test("appends the Markdown to the runner's summary file", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'summary-'))
    const saved = process.env.GITHUB_STEP_SUMMARY
    try {
      process.env.GITHUB_STEP_SUMMARY = join(dir, 'summary')
      writeFileSync(process.env.GITHUB_STEP_SUMMARY, '### before\n')
      await appendSummary('### Binarly access token\n')
      assert.equal(readFileSync(join(dir, 'summary'), 'utf8'), '### before\n### Binarly access token\n')
    } finally {
      if (saved === undefined) Reflect.deleteProperty(process.env, 'GITHUB_STEP_SUMMARY')
      else process.env.GITHUB_STEP_SUMMARY = saved
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('writes nothing, and does not fail, when the runner gave no summary file', async () => {
    const saved = process.env.GITHUB_STEP_SUMMARY
    Reflect.deleteProperty(process.env, 'GITHUB_STEP_SUMMARY')
    try {
      await appendSummary('### Binarly access token\n')
    } finally {
      if (saved !== undefined) process.env.GITHUB_STEP_SUMMARY = saved
    }
  })
})
