/** Entry of the post step: wires the real runner into runPost. A post step never fails the job. */
import * as core from '@actions/core'
import { runPost } from './run-post.js'
import { runtimeDeps, runEntry } from './runtime.js'

await runEntry(() => runPost(runtimeDeps()), core, { failOnError: false })
