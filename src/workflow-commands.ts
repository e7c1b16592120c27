/**
 * The workflow commands both steps send the runner (masks, outputs, env, state, log lines, the job
 * summary), written by @actions/core's own writers (command.js, file-command.js, summary.js).
 *
 * Why not `import * as core from '@actions/core'`: its index also loads, at start, its OIDC client
 * (@actions/http-client, and with it undici, node:http2, node:zlib, …) and its platform helpers
 * (@actions/exec, child_process): 15–20 ms of every step's start on Node 24 (docs/cold-start.md), used
 * only by `getIDToken`, which loads the index on first use. The writer files are not in the package's
 * `exports`, hence the paths into node_modules; each function below is the index's function of the same
 * name, and a test checks that both write byte for byte the same.
 */
import type * as actionsCore from '@actions/core'
import { EOL } from 'node:os'
import { issueCommand } from '../node_modules/@actions/core/lib/command.js'
import { issueFileCommand, prepareKeyValueMessage } from '../node_modules/@actions/core/lib/file-command.js'
import { summary } from '../node_modules/@actions/core/lib/summary.js'
import { toCommandProperties, toCommandValue } from '../node_modules/@actions/core/lib/utils.js'
import type { Core } from './deps.js'

export type Runner = Core & Pick<typeof actionsCore, 'setFailed'>

type Annotation = typeof actionsCore.warning

/** `::warning::` / `::error::` with the annotation's properties, as @actions/core writes them. */
const annotation =
  (command: 'warning' | 'error'): Annotation =>
  (message, properties = {}) =>
    issueCommand(command, toCommandProperties(properties), message instanceof Error ? message.toString() : message)

/** A `name<<delimiter` file command when the runner gave the file, else the old stdout command. */
function keyValue(file: 'OUTPUT' | 'ENV' | 'STATE', command: string, name: string, value: unknown): void {
  if (process.env[`GITHUB_${file}`]) return issueFileCommand(file, prepareKeyValueMessage(name, value))
  if (file === 'OUTPUT') process.stdout.write(EOL)
  issueCommand(command, { name }, toCommandValue(value))
}

export const runner: Runner = {
  setSecret: secret => issueCommand('add-mask', {}, secret),
  setOutput: (name, value) => keyValue('OUTPUT', 'set-output', name, value),
  exportVariable: (name, value) => {
    process.env[name] = toCommandValue(value)
    keyValue('ENV', 'set-env', name, value)
  },
  saveState: (name, value) => keyValue('STATE', 'save-state', name, value),
  getState: name => process.env[`STATE_${name}`] ?? '',
  info: message => {
    process.stdout.write(message + EOL)
  },
  warning: annotation('warning'),
  debug: message => issueCommand('debug', {}, message),
  isDebug: () => process.env.RUNNER_DEBUG === '1',
  setFailed: message => {
    process.exitCode = 1
    annotation('error')(message)
  },
  getIDToken: async audience => (await import('@actions/core')).getIDToken(audience)
}

/** Appends Markdown to the job summary (GITHUB_STEP_SUMMARY), when the runner gave one. */
export async function appendSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  await summary.addRaw(markdown).write()
}
