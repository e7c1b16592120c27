/**
 * What ncc bundles into dist/scan (scan/action.yml `runs.main`): runs the scan step, writing to the runner
 * without @actions/core's index (docs/cold-start.md).
 */
import { run } from '../scan.js'
import { appendSummary, fileCommands } from '../runner/file-commands.js'
import { commands } from '../runner/workflow-commands.js'

await run({ core: { ...commands, ...fileCommands }, writeSummary: appendSummary })
