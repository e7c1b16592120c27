/**
 * The file commands of the main step (outputs, env, PATH, state; the job summary), by @actions/core's own
 * writers: see workflow-commands.ts for why not through its index. `prepareKeyValueMessage` needs
 * node:crypto (a random delimiter) and the summary writer node:fs/promises, which is why the post step,
 * which writes none of these, does not load this module.
 */
import type * as actionsCore from '@actions/core'
import { EOL } from 'node:os'
import { delimiter } from 'node:path'
import { issueCommand } from '../../node_modules/@actions/core/lib/command.js'
import { issueFileCommand, prepareKeyValueMessage } from '../../node_modules/@actions/core/lib/file-command.js'
import { summary } from '../../node_modules/@actions/core/lib/summary.js'
import { toCommandValue } from '../../node_modules/@actions/core/lib/utils.js'

/** A `name<<delimiter` file command when the runner gave the file, else the old stdout command. */
function keyValue(file: 'OUTPUT' | 'ENV' | 'STATE', command: string, name: string, value: unknown): void {
  if (process.env[`GITHUB_${file}`]) return issueFileCommand(file, prepareKeyValueMessage(name, value))
  if (file === 'OUTPUT') process.stdout.write(EOL)
  issueCommand(command, { name }, toCommandValue(value))
}

export const fileCommands: Pick<typeof actionsCore, 'setOutput' | 'exportVariable' | 'addPath' | 'saveState'> = {
  setOutput: (name, value) => keyValue('OUTPUT', 'set-output', name, value),
  exportVariable: (name, value) => {
    process.env[name] = toCommandValue(value)
    keyValue('ENV', 'set-env', name, value)
  },
  addPath: inputPath => {
    if (process.env.GITHUB_PATH) issueFileCommand('PATH', inputPath)
    else issueCommand('add-path', {}, inputPath)
    process.env.PATH = `${inputPath}${delimiter}${String(process.env.PATH)}` // as @actions/core writes it
  },
  saveState: (name, value) => keyValue('STATE', 'save-state', name, value)
}

/**
 * Appends Markdown to the job summary (GITHUB_STEP_SUMMARY), when the runner gave one. The runner always
 * does, so the writer is not loaded on demand: a chunk of its own would only add its load (0.8 ms).
 */
export async function appendSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  await summary.addRaw(markdown).write()
}
