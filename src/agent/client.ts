/**
 * Asks the token agent one question: reads where it listens from its directory, sends one request line,
 * reads one answer line. Used by `binarly-token` (the post step's stop is stop-request.ts); node built-ins only.
 */
import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { AGENT_FILE, MAX_LINE_BYTES, type AgentFile, type RenewRequest, type TokenRequest } from './protocol.js'

/** Why the agent could not be asked, in words a person can act on (never a key or a token). */
export class AgentUnreachable extends Error {
  override name = 'AgentUnreachable'
}

export function readAgentFile(dir: string): AgentFile {
  let text: string
  try {
    text = readFileSync(join(dir, AGENT_FILE), 'utf8')
  } catch (error) {
    const code = String((error as NodeJS.ErrnoException).code)
    throw new AgentUnreachable(
      `the token agent of this job is gone (${join(dir, AGENT_FILE)}: ${code}): the post step of binarly-m2m-auth has stopped it, or the job's RUNNER_TEMP was emptied. Call binarly-token in the steps after the binarly-m2m-auth step (with token-command: true) of the same job.`
    )
  }
  return JSON.parse(text) as AgentFile
}

/** A request of any kind, without the key (Omit over each member of the union, not over their common keys). */
type WithoutKey<T> = T extends unknown ? Omit<T, 'key'> : never

/** Sends `request` (the key is added) and resolves with the parsed answer line. */
export function askAgent<T>(
  dir: string,
  request: WithoutKey<TokenRequest | RenewRequest>,
  waitMs?: number
): Promise<T> {
  const agent = readAgentFile(dir)
  const limit = waitMs ?? agent.timeoutMs + 5000
  return new Promise<T>((resolve, reject) => {
    const socket = connect(agent.socket)
    let answer = ''
    const fail = (message: string): void => {
      clearTimeout(timer)
      socket.destroy()
      reject(new AgentUnreachable(message))
    }
    const timer: NodeJS.Timeout = setTimeout(
      () => fail(`the token agent did not answer within ${Math.round(limit / 1000)} s`),
      limit
    )
    socket.setEncoding('utf8')
    socket.on('connect', () => socket.write(`${JSON.stringify({ ...request, key: agent.key })}\n`))
    socket.on('data', (chunk: string) => {
      answer += chunk
      if (answer.length > MAX_LINE_BYTES) fail('the token agent answered with more than a line')
    })
    socket.on('error', (error: NodeJS.ErrnoException) => {
      fail(
        `the token agent of this job is not running (${String(error.code)} at its socket): it ended with the job, or was killed. Re-run the job; if this keeps happening, report it with the job's log.`
      )
    })
    socket.on('end', () => {
      clearTimeout(timer)
      const line = answer.split('\n', 1).join('')
      try {
        resolve(JSON.parse(line) as T)
      } catch {
        reject(new AgentUnreachable('the token agent closed the connection without an answer'))
      }
    })
  })
}
