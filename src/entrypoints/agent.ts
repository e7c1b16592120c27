/** What ncc bundles into dist/agent: the per-job token agent the main step starts with token-command: true. */
import { run } from '../agent/process.js'

run()
