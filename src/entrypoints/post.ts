/** What ncc bundles into dist/post (action.yml `runs.post`): runs the post step. */
import { run } from '../post.js'

await run()
