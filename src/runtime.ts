/** The real dependencies, and the one top-level catch shared by both entry files. */
import * as core from '@actions/core'
import { readFileSync } from 'node:fs'
import { envInputReader } from './config.js'
import type { Deps } from './deps.js'
import { describeError } from './errors.js'
import { realClock } from './retry.js'
import { trustExtraCAs } from './tls.js'
import { httpTransport } from './transport.js'

export const ACTION_NAME = 'binarly-m2m-auth'

export function runtimeDeps(): Deps {
  return {
    core,
    inputs: envInputReader(process.env),
    env: process.env,
    transport: httpTransport,
    clock: realClock,
    readFile: path => readFileSync(path, 'utf8'),
    writeSummary: async markdown => {
      if (!process.env.GITHUB_STEP_SUMMARY) return
      await core.summary.addRaw(markdown).write()
    },
    trustCAs: trustExtraCAs
  }
}

/** Runs a step; any throw, Error or not, fails the step (or, for the post step, only warns). */
export async function runEntry(
  step: () => Promise<void>,
  runner: Pick<typeof core, 'setFailed' | 'warning'>,
  options: { failOnError: boolean } = { failOnError: true }
): Promise<void> {
  try {
    await step()
  } catch (error) {
    const message = `${ACTION_NAME}: ${describeError(error)}`
    if (options.failOnError) runner.setFailed(message)
    else runner.warning(message)
  }
}
