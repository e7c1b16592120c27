/**
 * The scan step (scan/action.yml): `run()` wires the real runner, network and clock into runScan (scan/step.ts).
 * Importing this module does nothing; `src/entrypoints/scan.ts` (what ncc bundles) calls `run()`.
 */
import { runEntry, runtimeDeps, type MainRunner } from './runner/runtime.js'
import { runScan } from './scan/step.js'

export async function run(runner: MainRunner): Promise<void> {
  const { core, writeSummary } = runner
  await runEntry(() => runScan({ ...runtimeDeps(), core, writeSummary }), core)
}
