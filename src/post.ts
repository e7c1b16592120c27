/**
 * The post step: `run()` wires the real runner into runPost. A post step never fails the job. Importing this
 * module does nothing; `src/entrypoints/post.ts` (what ncc bundles) and `@github/local-action` call `run()`.
 */
import { runPost } from './run-post.js'
import { runtimeDeps, runEntry } from './runtime.js'
import { commands } from './workflow-commands.js'

export async function run(): Promise<void> {
  await runEntry(() => runPost({ ...runtimeDeps(), core: commands }), commands, { failOnError: false })
}
