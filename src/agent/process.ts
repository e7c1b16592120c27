/**
 * The token agent's process: `run()` waits for its setup on the IPC pipe from the main step, starts the
 * agent with the real network and clock, says "ready" (or why not) and closes the pipe. Importing this
 * module does nothing; `src/entrypoints/agent.ts` (what ncc bundles) calls `run()`.
 */
import { describeError } from '../common/errors.js'
import { requestIdToken } from '../oauth/github-oidc.js'
import { alive } from '../runner/processes.js'
import { realClock } from '../net/retry.js'
import { trustExtraCAs } from '../net/tls.js'
import { closeIpc } from './ipc.js'
import { startAgent, type AgentSetup } from './server.js'
import { httpTransport } from '../net/transport.js'

/** A main step that never sends the setup has died: the agent does not wait for it longer. */
const SETUP_WAIT_MS = 10_000

export function run(): void {
  const send = (message: unknown, then: () => void): void => {
    if (process.send) process.send(message, () => then())
  }
  /* c8 ignore next: only a main step that died between spawning the agent and sending its setup gets here */
  const noSetup = setTimeout(() => process.exit(2), SETUP_WAIT_MS)
  process.once('message', (setup: AgentSetup) => {
    clearTimeout(noSetup)
    startAgent(setup, {
      transport: httpTransport,
      clock: realClock,
      getIDToken: (audience, timeoutMs) => requestIdToken(httpTransport, process.env, audience, timeoutMs),
      trustCAs: trustExtraCAs,
      alive,
      exit: code => process.exit(code),
      watchEveryMs: 2000
    }).then(
      agent => {
        const stop = (): void => agent.stop()
        process.on('SIGTERM', stop).on('SIGINT', stop).on('SIGHUP', stop)
        send({ ready: true }, () => closeIpc(process))
        /* c8 ignore next: V8 reports the block end after the last call of this callback as a range of its own that never runs */
      },
      (error: unknown) => send({ error: describeError(error) }, () => process.exit(1))
    )
  })
}
