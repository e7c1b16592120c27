/** The real dependencies, and the one top-level catch shared by both entry files. */
import { readFileSync } from 'node:fs'
import { envInputReader } from './config.js'
import type { PostDeps } from './deps.js'
import { describeError } from './errors.js'
import { realClock } from './retry.js'
import { httpTransport } from './transport.js'
import type { commands } from './workflow-commands.js'

export const ACTION_NAME = 'binarly-m2m-auth'

/** The real dependencies both steps share; each entry adds the runner commands it writes. */
export function runtimeDeps(): Omit<PostDeps, 'core'> {
  return {
    inputs: envInputReader(process.env),
    env: process.env,
    transport: httpTransport,
    clock: realClock,
    readFile: path => readFileSync(path, 'utf8'),
    // node:tls and X.509 parsing load only when a job asks for extra CAs.
    trustCAs: async pem => (await import('./tls.js')).trustExtraCAs(pem)
  }
}

/** Runs a step; any throw, Error or not, fails the step (or, for the post step, only warns). */
export async function runEntry(
  step: () => Promise<void>,
  runner: Pick<typeof commands, 'setFailed' | 'warning'>,
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
