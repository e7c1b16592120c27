/**
 * What ncc bundles into dist/post (action.yml `runs.post`): runs the post step, writing to the runner without
 * @actions/core's index (docs/cold-start.md).
 */
import { run } from '../post.js'
import { commands } from '../runner/workflow-commands.js'

await run(commands)
