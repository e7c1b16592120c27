/**
 * A recording stand-in for `@actions/core`, for running `runMain`/`runPost` in-process (against real
 * servers) where a child process would hide coverage. It keeps what the runner would receive, in order.
 */
import type { Core, Deps, PostDeps } from '../../src/runner/deps.ts'
import { envInputReader } from '../../src/common/config.ts'
import { realClock } from '../../src/net/retry.ts'
import { httpTransport } from '../../src/net/transport.ts'

export interface Recorded {
  /** Every call, in order: ['setSecret', value], ['info', message], … */
  calls: [string, string][]
  outputs: Record<string, string>
  env: Record<string, string>
  state: Record<string, string>
  summaries: string[]
}

export function fakeCore(options: { debug?: boolean; state?: Record<string, string> } = {}): {
  core: Core
  recorded: Recorded
} {
  const recorded: Recorded = { calls: [], outputs: {}, env: {}, state: {}, summaries: [] }
  const log = (kind: string) => (message: string | Error) => {
    recorded.calls.push([kind, message instanceof Error ? message.message : message])
  }
  const core: Core = {
    setSecret: value => log('setSecret')(value),
    setOutput: (name, value) => {
      recorded.calls.push(['setOutput', name])
      recorded.outputs[name] = String(value)
    },
    exportVariable: (name, value) => {
      recorded.calls.push(['exportVariable', name])
      recorded.env[name] = String(value)
    },
    addPath: path => {
      recorded.calls.push(['addPath', path])
    },
    saveState: (name, value) => {
      recorded.calls.push(['saveState', name])
      recorded.state[name] = String(value)
    },
    getState: name => options.state?.[name] ?? '',
    info: log('info'),
    warning: log('warning'),
    debug: log('debug'),
    isDebug: () => options.debug ?? false
  }
  return { core, recorded }
}

/** Real transport and clock, recorded core, inputs by name. */
export function testDeps(
  inputs: Record<string, string>,
  overrides: Partial<Deps & Pick<PostDeps, 'useMainStepNetwork'>> = {},
  coreOptions: Parameters<typeof fakeCore>[0] = {}
): { deps: Deps & Pick<PostDeps, 'useMainStepNetwork'>; recorded: Recorded } {
  const { core, recorded } = fakeCore(coreOptions)
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  const deps: Deps & Pick<PostDeps, 'useMainStepNetwork'> = {
    core,
    inputs: envInputReader(env),
    env: {},
    transport: httpTransport,
    clock: realClock,
    readFile: () => {
      throw Object.assign(new Error('no files in this test'), { code: 'ENOENT' })
    },
    writeSummary: async markdown => {
      recorded.summaries.push(markdown)
    },
    trustCAs: async () => 0,
    // In-process, the test's own network is the main step's (the bundles' post step puts it back for real).
    useMainStepNetwork: async () => ({ ignored: [] }),
    ...overrides
  }
  return { deps, recorded }
}
