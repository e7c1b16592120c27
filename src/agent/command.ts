/**
 * The `binarly-token` command: `run()` wires the process's arguments, environment and stdio into
 * runTokenCommand and sets the exit code. Importing this module does nothing; `src/entrypoints/token.ts`
 * (what ncc bundles into dist/token) calls `run()`.
 */
import { runTokenCommand } from './cli.js'

export async function run(): Promise<void> {
  process.exitCode = await runTokenCommand(process.argv.slice(2), process.env, {
    stdout: text => process.stdout.write(text),
    stderr: text => process.stderr.write(text),
    now: () => Date.now()
  })
}
