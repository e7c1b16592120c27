/**
 * The main step: `run()` wires the real runner, network and clock into runMain. Importing this module does
 * nothing; `src/entrypoints/main.ts` (what ncc bundles) and `@github/local-action` call `run()`.
 */
import * as core from '@actions/core'
import { runMain } from './run-main.js'
import { runtimeDeps, runEntry } from './runtime.js'

export async function run(): Promise<void> {
  await runEntry(() => runMain(runtimeDeps()), core)
}
