/**
 * `run()` of src/main.ts and src/post.ts with no runner (as @github/local-action calls them) writes through
 * @actions/core itself, in this process; and @actions/core's job summary as the main step's writer.
 */
import * as core from '@actions/core'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { run as runMainStep } from '../../../src/main.ts'
import { run as runPostStep } from '../../../src/post.ts'
import { toolkitRunner } from '../../../src/runner/runtime.ts'

/** Runs `use` with these variables set, and returns the workflow commands it printed (other output passes). */
async function withEnv(env: Record<string, string | undefined>, use: () => Promise<void>): Promise<string> {
  const saved = Object.fromEntries(Object.keys(env).map(name => [name, process.env[name]]))
  const savedExitCode = process.exitCode
  const set = (values: Record<string, string | undefined>): void => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) Reflect.deleteProperty(process.env, name)
      else process.env[name] = value
    }
  }
  set(env)
  let commands = ''
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof chunk === 'string' && chunk.startsWith('::')) {
      commands += chunk
      return true
    }
    return (write as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean)(chunk, ...rest)
  }
  try {
    await use()
  } finally {
    process.stdout.write = write
    set(saved)
  }
  const exitCode = process.exitCode
  process.exitCode = savedExitCode
  return `${commands}exit code ${String(exitCode)}`
}

test('the post step through @actions/core: a shared token is masked and not revoked', async () => {
  const printed = await withEnv({ STATE_token: 'a-shared-token', STATE_shared: 'true' }, () => runPostStep())
  assert.match(printed, /^::add-mask::a-shared-token\n/)
  assert.match(printed, /::debug::Revocation skipped: the token is shared/)
  assert.match(printed, /exit code undefined$/)
})

test('the main step through @actions/core: a bad input fails the step with the message', async () => {
  const printed = await withEnv(
    {
      'INPUT_AUTH-URL': 'https://kc.example.com/realms/BinarlyRealm/protocol/openid-connect/token',
      'INPUT_CLIENT-ID': undefined
    },
    () => runMainStep()
  )
  assert.match(printed, /::error::binarly-m2m-auth: client-id: is empty/)
  assert.match(printed, /exit code 1$/)
})

test("@actions/core's job summary as the main step's writer: appended when the runner gave the file", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'toolkit-summary-'))
  try {
    const file = join(dir, 'summary')
    writeFileSync(file, '')
    const { writeSummary } = toolkitRunner(core)
    await withEnv({ GITHUB_STEP_SUMMARY: file }, () => writeSummary('### Binarly access token\n'))
    assert.equal(readFileSync(file, 'utf8'), '### Binarly access token\n')
    await withEnv({ GITHUB_STEP_SUMMARY: undefined }, () => writeSummary('### not written\n'))
    assert.equal(readFileSync(file, 'utf8'), '### Binarly access token\n')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
