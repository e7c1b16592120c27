/**
 * The main step: `run()` wires the real runner, network and clock into runMain. Importing this module does
 * nothing; `src/entrypoints/main.ts` (what ncc bundles) and `@github/local-action` call `run()`.
 */
import { runMain } from './run-main.js'
import { runtimeDeps, runEntry } from './runtime.js'
import { appendSummary, fileCommands } from './file-commands.js'
import { commands } from './workflow-commands.js'

export async function run(): Promise<void> {
  await runEntry(
    () => runMain({ ...runtimeDeps(), core: { ...commands, ...fileCommands }, writeSummary: appendSummary }),
    commands
  )
}
