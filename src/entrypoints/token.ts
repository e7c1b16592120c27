/** What ncc bundles into dist/token: the `binarly-token` command that later steps run (see token-cli.ts). */
import { run } from '../token.js'

await run()
