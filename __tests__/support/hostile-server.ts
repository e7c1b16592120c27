/**
 * A loopback HTTP server that answers what a test scripts, for servers that do the hostile thing: a
 * discovery document naming a foreign issuer or endpoints, a token endpoint granting a scope with a line
 * break, an endpoint that echoes the client's credentials back in escaped forms. Each route gets the
 * decoded form of the request; every request is recorded (path and field names only).
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface HostileAnswer {
  status?: number
  contentType?: string
  body: string
}

export type HostileRoute = (form: URLSearchParams, headers: Record<string, unknown>) => HostileAnswer

export interface HostileServer {
  /** `http://127.0.0.1:<port>` */
  origin: string
  /** Path of every request, in order. */
  requests: string[]
  /** Sets (or replaces) what a path answers. */
  route(path: string, answer: HostileRoute): void
  close(): Promise<void>
}

export async function startHostileServer(): Promise<HostileServer> {
  const routes = new Map<string, HostileRoute>()
  const requests: string[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname
      requests.push(path)
      const route = routes.get(path)
      const answer = route
        ? route(new URLSearchParams(Buffer.concat(chunks).toString('utf8')), req.headers)
        : { status: 404, body: '{"error":"not_found"}' }
      res.writeHead(answer.status ?? 200, { 'content-type': answer.contentType ?? 'application/json' }).end(answer.body)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    route: (path, answer) => routes.set(path, answer),
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** A successful client credentials answer with an opaque token. */
export function tokenAnswer(extra: Record<string, unknown> = {}): HostileAnswer {
  const token = `hostile-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`
  return { body: JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 300, ...extra }) }
}

/** Lines as the runner reads a step's output: it ends a line at LF, CRLF and at a bare CR. */
export function runnerLines(stdout: string): string[] {
  return stdout.split(/\r\n|\r|\n/)
}

/** Workflow commands the step did not mean to issue: a command line whose message is the forged text. */
export function forgedCommands(stdout: string, marker = 'forged'): string[] {
  return runnerLines(stdout).filter(line => new RegExp(`^\\s*::[\\w-]+[^:]*::\\s*${marker}`).test(line))
}
