/**
 * The post step: `run()` wires the real runner into runPost. A post step never fails the job. Importing this
 * module does nothing; `src/entrypoints/post.ts` (what ncc bundles) calls `run()` with the light runner
 * writers, and `@github/local-action` calls it with none, so that @actions/core (which it stands in for)
 * writes.
 */
import { runPost } from './run-post.js'
import { runtimeDeps, runEntry, type PostRunner } from './runner/runtime.js'

export async function run(runner?: PostRunner): Promise<void> {
  /* c8 ignore next: the bundles always pass a runner; local-action's path is tested in-process (unit/toolkit-runner) */
  const core = runner ?? (await import('@actions/core'))
  await runEntry(() => runPost({ ...runtimeDeps(), core }), core, { failOnError: false })
}
