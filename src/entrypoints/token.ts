/** What ncc bundles into dist/token: the `binarly-token` command that later steps run (see token-cli.ts). */
import { runTokenCommand } from '../token-cli.js'

process.exitCode = await runTokenCommand(process.argv.slice(2), process.env, {
  stdout: text => process.stdout.write(text),
  stderr: text => process.stderr.write(text),
  now: () => Date.now()
})
