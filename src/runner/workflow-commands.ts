/**
 * The workflow commands a step writes to stdout (masks, log lines, annotations) and reads (state), by
 * @actions/core's own writer (command.js). File commands (outputs, env, state, summary) are in
 * file-commands.ts, which the post step does not load.
 *
 * Why not `import * as core from '@actions/core'`: its index also loads, at start, its OIDC client
 * (@actions/http-client, and with it undici, node:http2, node:zlib, …), its platform helpers
 * (@actions/exec, child_process) and its file commands (node:crypto): 15–20 ms of every step's start on
 * Node 24 (docs/cold-start.md), for nothing the steps use (github-oidc.ts asks GitHub's OIDC service itself). The writer files are not in the package's `exports`, hence the paths into node_modules; each
 * function here is the index's function of the same name, and a test checks both write byte for byte the
 * same.
 */
import { EOL } from 'node:os'
import { issueCommand } from '../../node_modules/@actions/core/lib/command.js'
import type { PostRunner } from './runtime.js'

/**
 * `::warning::` / `::error::` as @actions/core writes them without annotation properties: the steps never
 * point a message at a file or line.
 */
const annotation =
  (command: 'warning' | 'error') =>
  (message: string | Error): void =>
    issueCommand(command, {}, String(message)) // an Error as its toString(), as @actions/core writes it

export const commands: PostRunner = {
  setSecret: secret => issueCommand('add-mask', {}, secret),
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
  }
}
