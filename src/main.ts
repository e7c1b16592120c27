/** Entry of the main step: wires the real runner, network and clock into runMain. */
import * as core from '@actions/core'
import { runMain } from './run-main.js'
import { runtimeDeps, runEntry } from './runtime.js'

await runEntry(() => runMain(runtimeDeps()), core)
