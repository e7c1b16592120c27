/**
 * The main step: `run()` wires the real runner, network and clock into runMain. Importing this module does
 * nothing; `src/entrypoints/main.ts` (what ncc bundles) calls `run()` with the light runner writers, and
 * `@github/local-action` calls it with none, so that @actions/core (which it stands in for) writes.
 */
import { runMain } from './run-main.js'
import { runtimeDeps, runEntry, toolkitRunner, type MainRunner } from './runner/runtime.js'

export async function run(runner?: MainRunner): Promise<void> {
  /* c8 ignore next: the bundles always pass a runner; local-action's path is tested in-process (unit/toolkit-runner) */
  const { core, writeSummary } = runner ?? toolkitRunner(await import('@actions/core'))
  await runEntry(() => runMain({ ...runtimeDeps(), core, writeSummary }), core)
}
