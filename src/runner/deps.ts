/** What the action needs from the outside world: passed in, so tests can use real servers or fakes. */
import type * as actionsCore from '@actions/core'
import type { InputReader } from '../common/config.js'
import type { Clock } from '../net/retry.js'
import type { Transport } from '../net/http.js'
import type { NetworkUse } from '../net/main-step-network.js'

/** What every step uses of the runner: masks, log lines, its own saved state. */
export type StepCore = Pick<typeof actionsCore, 'setSecret' | 'getState' | 'info' | 'warning' | 'debug' | 'isDebug'>

/** The main step also hands things on: outputs, env, PATH and state. */
export type Core = StepCore & Pick<typeof actionsCore, 'setOutput' | 'exportVariable' | 'addPath' | 'saveState'>

export interface Deps {
  core: Core
  inputs: InputReader
  env: NodeJS.ProcessEnv
  transport: Transport
  clock: Clock
  readFile: (path: string) => string
  /** Appends Markdown to the job summary. */
  writeSummary: (markdown: string) => Promise<void>
  /** Trusts extra CAs for every TLS connection of the process; resolves to how many. */
  trustCAs: (pem: string) => Promise<number>
}

/** The post step reads what the main step saved and writes no output, env or state; only the job summary. */
export type PostDeps = Omit<Deps, 'core'> & {
  core: StepCore
  /**
   * Puts the network the main step ran with (its state, as net/main-step-network.ts records it) back into
   * this process, whatever the environment says now; or says which variable cannot be honoured.
   */
  useMainStepNetwork: (recorded: string) => Promise<NetworkUse>
}
