/**
 * What the post step's stop talks to, in tests: a listener on a real Unix socket that answers each stop request
 * as the test says, and the lines a real agent sends for its token records (the answer proof of
 * src/agent/stop-proof.ts over the request's nonce and every line).
 */
import { createServer, type Server, type Socket } from 'node:net'
import { AnswerProof } from '../../src/agent/stop-proof.ts'

export interface StopRequest {
  op: string
  nonce: string
  proof: string
}

/** The lines a real agent sends for `records` under `key`, the end line (with `count`) and its line end. */
export function provedAnswer(key: string, nonce: string, records: unknown[], count = records.length): string {
  const proof = new AnswerProof(key, nonce)
  const lines = records.map(record => JSON.stringify(record))
  for (const line of lines) proof.line(line)
  return [...lines, JSON.stringify({ end: true, count, proof: proof.proof() }), ''].join('\n')
}

/** Listens at `path`; each connection's first line (the stop request) is answered by `answer`. */
export async function stopListener(
  path: string,
  answer: (request: StopRequest, socket: Socket) => void
): Promise<Server> {
  const server = createServer(socket => {
    let text = ''
    socket.setEncoding('utf8')
    socket.on('error', () => undefined)
    socket.on('data', (chunk: string) => {
      text += chunk
      if (text.includes('\n')) answer(JSON.parse(text) as StopRequest, socket)
    })
  })
  await new Promise<void>(resolve => server.listen(path, resolve))
  return server
}

/** Writes `parts` one at a time, `ms` apart (so that each arrives as a chunk of its own), then ends. */
export async function trickle(socket: Socket, parts: (string | Buffer)[], ms = 30): Promise<void> {
  for (const part of parts) {
    socket.write(part)
    await new Promise(resolve => setTimeout(resolve, ms))
  }
  socket.end()
}
