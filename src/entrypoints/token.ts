/** What ncc bundles into dist/token: the `binarly-token` command that later steps run (see agent/cli.ts). */
import { run } from '../agent/command.js'

await run()
