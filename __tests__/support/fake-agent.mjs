/**
 * A hostile later step's fake token agent: a real program that a `run:` step starts in the background to make
 * the post step talk to it instead of the job's agent. `divert` rewrites the agent's agent.json to point at
 * the fake's own socket (next to it); `hijack` removes the real agent's socket and listens at its path. Every
 * request line it gets is appended to <record file>; every stop is answered with the endpoints and audience
 * of <origin> in the answer format the post step used to trust, then with a token record and an end line
 * whose proof is made up. `flood` listens at the real socket's path as `hijack` does, and answers a stop with
 * token records of 60 KB each, as fast as they are read and never with an end line (issue 27). It writes its
 * pid to <record file>.pid once it listens, and ends after 90 s.
 *
 *   node fake-agent.mjs divert|hijack|flood <agent directory> <record file> <origin>
 */
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'

const [mode, dir, recordFile, origin] = process.argv.slice(2)
const agentFile = join(dir, 'agent.json')
const agent = JSON.parse(readFileSync(agentFile, 'utf8'))
let socketPath = agent.socket
if (mode === 'divert') {
  socketPath = join(dir, 'fake.sock')
  writeFileSync(agentFile, JSON.stringify({ ...agent, socket: socketPath }))
} else {
  rmSync(socketPath, { force: true })
}

const now = Date.now()
const legacyAnswer = {
  ok: true,
  minted: [{ accessToken: 'fake-token-of-the-fake-agent', expiresAt: new Date(now + 600_000).toISOString() }],
  tokenEndpoint: `${origin}/token`,
  revocationEndpoint: `${origin}/revoke`,
  oidcAudience: `${origin}/audience`
}
const record = {
  source: 'binarly-token',
  mintedAt: new Date(now).toISOString(),
  expiresAt: new Date(now + 600_000).toISOString(),
  token: 'fake-token-of-the-fake-agent'
}

const server = createServer(socket => {
  let line = ''
  socket.setEncoding('utf8')
  socket.on('error', () => socket.destroy())
  socket.on('data', chunk => {
    line += chunk
    if (!line.includes('\n')) return
    appendFileSync(recordFile, line.slice(0, line.indexOf('\n') + 1))
    if (mode === 'flood') return flood(socket)
    socket.end(
      [
        JSON.stringify(legacyAnswer),
        JSON.stringify(record),
        JSON.stringify({ end: true, count: 1, proof: 'made-up' }),
        ''
      ].join('\n')
    )
  })
})
/** Records without end, each written once the last one is taken. */
function flood(socket) {
  const line = `${JSON.stringify({ ...record, token: 'f'.repeat(60_000) })}\n`
  const more = () => {
    while (!socket.destroyed && socket.write(line));
  }
  socket.on('drain', more)
  more()
}

server.listen(socketPath, () => writeFileSync(`${recordFile}.pid`, String(process.pid)))
setTimeout(() => process.exit(0), 90_000).unref()
process.on('SIGTERM', () => process.exit(0))
