/**
 * A fault-injecting reverse proxy on loopback, in front of a real server (the oidc-provider of
 * `startOidcServer()`). Request N (counted from 1 since the last `script()`) gets the N-th scripted fault;
 * requests past the script are forwarded untouched. It records every request (path, time), so tests can
 * assert exactly how many requests the action made and how long it waited between them.
 * With `tls`, it serves HTTPS (the loopback "corporate CA" server of tls-server.ts).
 * `startBlackHole()` is the rawer fault: a TCP port that accepts and then never answers nor closes.
 */
import {
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse
} from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net'

export type Fault =
  /** Pass the request to the upstream server. */
  | { kind: 'forward' }
  /** Answer with this status, headers and body (503, 429 + Retry-After, an HTML 200, a 302 + Location). */
  | { kind: 'respond'; status: number; headers?: Record<string, string>; body?: string }
  /** Destroy the connection without an answer. */
  | { kind: 'reset' }
  /** Never answer (until the client gives up or the proxy closes). */
  | { kind: 'hang' }
  /** A 200 JSON answer of more than `bytes` bytes. */
  | { kind: 'oversized'; bytes: number }
  /** Forward, then send the upstream's answer one byte every `intervalMs`. */
  | { kind: 'trickle'; intervalMs: number }

/** The faults the tests use, by name. */
export const fault = {
  forward: (): Fault => ({ kind: 'forward' }),
  status: (status: number, headers: Record<string, string> = {}, body = ''): Fault => ({
    kind: 'respond',
    status,
    headers,
    body
  }),
  unavailable: (): Fault =>
    fault.status(503, { 'content-type': 'text/html' }, '<html><body>Service Unavailable</body></html>'),
  tooManyRequests: (retryAfter: string): Fault => fault.status(429, { 'retry-after': retryAfter }),
  html200: (text: string): Fault =>
    fault.status(200, { 'content-type': 'text/html; charset=utf-8' }, `<html><body>${text}</body></html>`),
  redirect: (location: string): Fault => fault.status(302, { location }),
  reset: (): Fault => ({ kind: 'reset' }),
  hang: (): Fault => ({ kind: 'hang' }),
  oversized: (bytes = 1024 * 1024 + 1): Fault => ({ kind: 'oversized', bytes }),
  trickle: (intervalMs: number): Fault => ({ kind: 'trickle', intervalMs })
}

export interface ProxiedRequest {
  /** 1-based number since the last `script()`. */
  n: number
  method: string
  path: string
  /** Date.now() when the request headers arrived. */
  at: number
  fault: Fault['kind']
}

export interface FaultProxy {
  /** Base URL (`http://127.0.0.1:<port>` or `https://localhost:<port>`). */
  url: string
  port: number
  requests: ProxiedRequest[]
  /** TCP connections accepted since the last `script()` (a TLS failure makes a connection but no request). */
  connections(): number
  /** Replaces the script and clears the counters. */
  script(faults: Fault[]): void
  close(): Promise<void>
}

export interface FaultProxyOptions {
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string; cert: string }
  /**
   * Write the proxy's own origin for the upstream's in forwarded bodies, as a reverse proxy in front of a
   * server configured with its public host name does (so discovery names endpoints behind the proxy).
   */
  rewriteOrigin?: boolean
}

export async function startFaultProxy(upstream: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const target = new URL(upstream)
  let plan: Fault[] = []
  let connections = 0
  const requests: ProxiedRequest[] = []
  const sockets = new Set<Socket>()

  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    relay: (up: IncomingMessage) => void
  ): void => {
    const up = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host }
      },
      relay
    )
    up.on('error', () => res.destroy())
    up.end(body)
  }

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer, step: Fault): void => {
    switch (step.kind) {
      case 'forward':
        return forward(req, res, body, up => {
          if (!options.rewriteOrigin) {
            res.writeHead(up.statusCode ?? 502, up.headers)
            up.pipe(res)
            return
          }
          const chunks: Buffer[] = []
          up.on('data', (chunk: Buffer) => chunks.push(chunk))
          up.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8').split(target.origin).join(self.url)
            res.writeHead(up.statusCode ?? 502, { ...up.headers, 'content-length': Buffer.byteLength(text) })
            res.end(text)
          })
        })
      case 'respond':
        res.writeHead(step.status, step.headers)
        res.end(step.body)
        return
      case 'reset':
        req.socket.destroy()
        return
      case 'hang':
        return
      case 'oversized': {
        const filler = 'A'.repeat(step.bytes)
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(`{"access_token":"${filler}","token_type":"Bearer"}`)
        return
      }
      case 'trickle':
        return forward(req, res, body, up => {
          const headers = { ...up.headers }
          delete headers['content-length']
          res.writeHead(up.statusCode ?? 502, headers)
          const chunks: Buffer[] = []
          up.on('data', (chunk: Buffer) => chunks.push(chunk))
          up.on('end', () => {
            const whole = Buffer.concat(chunks)
            let sent = 0
            const timer = setInterval(() => {
              if (res.destroyed || sent >= whole.length) {
                clearInterval(timer)
                res.end()
                return
              }
              res.write(whole.subarray(sent, sent + 1))
              sent++
            }, step.intervalMs)
          })
        })
    }
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const n = requests.length + 1
    const step = plan[n - 1] ?? fault.forward()
    requests.push({ n, method: req.method ?? '', path: req.url ?? '', at: Date.now(), fault: step.kind })
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => handle(req, res, Buffer.concat(chunks), step))
  }

  const server = options.tls ? createHttpsServer(options.tls, onRequest) : createHttpServer(onRequest)
  server.on('connection', (socket: Socket) => {
    connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  // A client that rejects the certificate aborts the handshake: expected in the TLS tests, not an error here.
  server.on('tlsClientError', () => undefined)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const self = { url: options.tls ? `https://localhost:${port}` : `http://127.0.0.1:${port}` }
  return {
    url: self.url,
    port,
    requests,
    connections: () => connections,
    script(faults) {
      plan = faults
      connections = 0
      requests.length = 0
    },
    close: () =>
      new Promise<void>(resolve => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}

export interface BlackHole {
  port: number
  /** Connections accepted so far. */
  connections(): number
  close(): Promise<void>
}

/**
 * A TCP server that accepts connections and then does nothing, ever: it neither reads, answers nor closes,
 * even when the client half-closes (unlike a Node HTTP server). A dead backend behind a load balancer.
 */
export async function startBlackHole(): Promise<BlackHole> {
  const sockets = new Set<Socket>()
  const server = createNetServer({ allowHalfOpen: true, pauseOnConnect: true }, socket => {
    sockets.add(socket)
    socket.on('error', () => undefined)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => sockets.size,
    close: () =>
      new Promise<void>(resolve => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}
