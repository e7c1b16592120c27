/** What ncc bundles into dist/main (action.yml `runs.main`): runs the main step. */
import { run } from '../main.js'

await run()
