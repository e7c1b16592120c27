/** What the action needs from the outside world: passed in, so tests can use real servers or fakes. */
import type * as actionsCore from '@actions/core'
import type { InputReader } from './config.js'
import type { Clock } from './retry.js'
import type { Transport } from './transport.js'

export type Core = Pick<
  typeof actionsCore,
  | 'setSecret'
  | 'setOutput'
  | 'exportVariable'
  | 'addPath'
  | 'saveState'
  | 'getState'
  | 'info'
  | 'warning'
  | 'debug'
  | 'isDebug'
  | 'getIDToken'
>

export interface Deps {
  core: Core
  inputs: InputReader
  env: NodeJS.ProcessEnv
  transport: Transport
  clock: Clock
  readFile: (path: string) => string
  /** Appends Markdown to the job summary. */
  writeSummary: (markdown: string) => Promise<void>
  /** Trusts extra CAs for every TLS connection of the process; returns how many. */
  trustCAs: (pem: string) => number
}
