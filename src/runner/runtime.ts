/** The real dependencies, and the one top-level catch shared by both entry files. */
import type * as actionsCore from '@actions/core'
import { readFileSync } from 'node:fs'
import { appendFile } from 'node:fs/promises'
import { envInputReader } from '../common/inputs.js'
import type { Core, Deps, PostDeps, StepCore } from './deps.js'
import { describeError } from '../common/errors.js'
import { realClock } from '../net/retry.js'
import { httpTransport } from '../net/transport.js'

export const ACTION_NAME = 'binarly-m2m-auth'

/**
 * How a step writes to the runner: @actions/core itself (what `run()` of main.ts and post.ts uses when called
 * with no argument, as @github/local-action does, which stands in for @actions/core), or the same writers
 * without its index (workflow-commands.ts, file-commands.ts), which the bundles' entries pass.
 */
export type PostRunner = StepCore & Pick<typeof actionsCore, 'setFailed'>
export type MainRunner = Pick<Deps, 'writeSummary'> & { core: Core & PostRunner }

/* c8 ignore start: the bundles never call it; tested in-process (unit/toolkit-runner), which c8 counts apart */
/** @actions/core as the main step's runner. */
export function toolkitRunner(core: typeof actionsCore): MainRunner {
  return {
    core,
    writeSummary: async markdown => {
      if (!process.env.GITHUB_STEP_SUMMARY) return
      await core.summary.addRaw(markdown).write()
    }
  }
}
/* c8 ignore stop */

/** The real dependencies both steps share; each entry adds how it writes to the runner. */
export function runtimeDeps(): Omit<PostDeps, 'core'> {
  return {
    inputs: envInputReader(process.env),
    env: process.env,
    transport: httpTransport,
    clock: realClock,
    readFile: path => readFileSync(path, 'utf8'),
    // The post step's token audit; the main step passes its own writer.
    writeSummary: async markdown => {
      if (process.env.GITHUB_STEP_SUMMARY) await appendFile(process.env.GITHUB_STEP_SUMMARY, markdown)
    },
    // node:tls and X.509 parsing load only when a job asks for extra CAs.
    trustCAs: async pem => (await import('../net/tls.js')).trustExtraCAs(pem),
    useMainStepNetwork: async recorded =>
      (await import('../net/main-step-network.js')).useMainStepNetwork(recorded, process.env, {
        readFile: path => readFileSync(path, 'utf8'),
        store: () => import('node:tls')
      })
  }
}

/** Runs a step; any throw, Error or not, fails the step (or, for the post step, only warns). */
export async function runEntry(
  step: () => Promise<void>,
  runner: Pick<PostRunner, 'setFailed' | 'warning'>,
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
