/**
 * The post step's side of the stop: connects to the socket (or pipe) the main step's state names, sends a
 * stop request with a fresh nonce and its proof, reads the answer one line at a time (one token record a
 * line), and accepts it only when its last line proves, under the stop key, that the agent the main step
 * started sent exactly these lines. Nothing of an answer that does not prove so is returned, masked or acted
 * on; and what is kept until the proof is bounded (records, bytes), so that whatever listens at the socket
 * cannot grow the post step's memory without end.
 */
import { connect } from 'node:net'
import { AgentUnreachable } from './client.js'
import { MAX_LINE_BYTES, type MintSource, type StopLine } from './protocol.js'
import { AnswerProof, freshSecret, requestProof, sameProof } from './stop-proof.js'

/**
 * More token records than any agent mints in its day (one exchange a second would be 86,400; the agent
 * hands out its current token while it is good enough), and more bytes than such an answer takes (a record
 * without its token is some 150 bytes; only tokens still valid carry theirs).
 */
export const MAX_STOP_RECORDS = 100_000
export const MAX_STOP_ANSWER_BYTES = 32 * 1024 * 1024
const NEWLINE = 0x0a

/** Something answered, but did not prove to be the agent the main step started. */
export class AgentUnverified extends Error {
  override name = 'AgentUnverified'
}

/** Asks the agent at `socket` to stop; resolves with its token records once their proof holds. */
export function requestStop(socket: string, stopKey: string, waitMs: number): Promise<StopLine[]> {
  const nonce = freshSecret()
  const proof = new AnswerProof(stopKey, nonce)
  const records: StopLine[] = []
  return new Promise<StopLine[]>((resolve, reject) => {
    const connection = connect(socket)
    /** The unfinished line, in bytes (a character may be split between chunks), and the answer's size. */
    let pending: Buffer[] = []
    let pendingBytes = 0
    let answerBytes = 0
    // Settling twice does nothing: a promise settles once, and the connection is gone after the first.
    const finish = (error: Error | undefined): void => {
      clearTimeout(timer)
      connection.destroy()
      if (error) reject(error)
      else resolve(records)
    }
    const unverified = (why: string): void =>
      finish(
        new AgentUnverified(
          `what answers at the agent's socket did not prove to be the agent the main step started (${why})`
        )
      )
    const timer = setTimeout(
      () =>
        finish(new AgentUnreachable(`the token agent did not finish its answer within ${Math.round(waitMs / 1000)} s`)),
      waitMs
    )
    /** One line of the answer; true when it was the last one read (the answer is done with). */
    const line = (text: string): boolean => {
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        unverified('a line of its answer is not JSON')
        return true
      }
      const end = stopEnd(parsed)
      if (end) {
        if (end.count !== records.length || !sameProof(end.proof, proof.proof()))
          unverified('its answer’s proof does not hold')
        else finish(undefined)
        return true
      }
      // A refusal is not quoted: nothing of an answer that does not prove is printed.
      if (record(parsed)?.ok === false) {
        unverified('it refused the stop')
        return true
      }
      const entry = stopLine(parsed)
      if (!entry) {
        unverified('a line of its answer is not a token record')
        return true
      }
      if (records.length >= MAX_STOP_RECORDS) {
        unverified(`its answer holds more than ${MAX_STOP_RECORDS} token records`)
        return true
      }
      proof.line(text)
      records.push(entry)
      return false
    }
    connection.on('connect', () =>
      connection.write(`${JSON.stringify({ op: 'stop', nonce, proof: requestProof(stopKey, nonce) })}\n`)
    )
    connection.on('data', (chunk: Buffer) => {
      answerBytes += chunk.length
      if (answerBytes > MAX_STOP_ANSWER_BYTES)
        return unverified(`its answer is larger than ${MAX_STOP_ANSWER_BYTES / 1024 / 1024} MiB`)
      // Only the new chunk is searched for line ends: an answer of many megabytes costs one pass.
      let start = 0
      let newline: number
      while ((newline = chunk.indexOf(NEWLINE, start)) >= 0) {
        const text = Buffer.concat([...pending, chunk.subarray(start, newline)]).toString('utf8')
        pending = []
        pendingBytes = 0
        start = newline + 1
        if (line(text)) return
      }
      const rest = chunk.subarray(start)
      pending.push(rest)
      pendingBytes += rest.length
      if (pendingBytes > MAX_LINE_BYTES) unverified('a line of its answer is longer than any token')
    })
    connection.on('error', (error: NodeJS.ErrnoException) =>
      finish(new AgentUnreachable(`nothing answers at its socket (${String(error.code)}): it ended, or was killed`))
    )
    connection.on('end', () => unverified('it closed the connection before the end of its answer'))
  })
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined
}

function stopEnd(value: unknown): { count: number; proof: string } | undefined {
  const r = record(value)
  if (r?.end !== true || typeof r.count !== 'number' || typeof r.proof !== 'string') return undefined
  return { count: r.count, proof: r.proof }
}

const MINT_SOURCES: readonly MintSource[] = ['binarly-token', 'renewal', 'renewal of the shared token']
const isoTime = (value: unknown): value is string => typeof value === 'string' && !Number.isNaN(Date.parse(value))

/** A token record as the agent writes it, or undefined. */
export function stopLine(value: unknown): StopLine | undefined {
  const r = record(value)
  if (!r || !MINT_SOURCES.includes(r.source as never) || !isoTime(r.mintedAt)) return undefined
  if (r.expiresAt !== null && !isoTime(r.expiresAt)) return undefined
  if (r.revokedAtRenewal !== undefined && !isoTime(r.revokedAtRenewal)) return undefined
  if (r.token !== undefined && (typeof r.token !== 'string' || r.token === '')) return undefined
  return {
    source: r.source as MintSource,
    mintedAt: r.mintedAt,
    expiresAt: r.expiresAt,
    ...(r.revokedAtRenewal === undefined ? {} : { revokedAtRenewal: r.revokedAtRenewal }),
    ...(r.token === undefined ? {} : { token: r.token })
  }
}
