/**
 * What a hostile later step points HTTPS_PROXY at: a real forward proxy on loopback that intercepts. It
 * accepts every CONNECT, ends the client's TLS itself with a certificate for the host asked, signed by its
 * own CA (the one the step puts in NODE_EXTRA_CA_CERTS, or none trusted at all under
 * NODE_TLS_REJECT_UNAUTHORIZED=0), and reads every request in clear: path, headers and body, all recorded.
 * It answers each with 200 and an empty JSON object, so a revocation sent through it "succeeds".
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { TestCa } from './tls-server.ts'

export interface Intercepted {
  /** The CONNECT target, or the absolute URI of a plain request. */
  target: string
  /** Path, headers and body of a request read in clear (undefined when a TLS handshake failed). */
  text?: string
}

export interface InterceptingProxy {
  /** `http://127.0.0.1:<port>` */
  url: string
  /** Every CONNECT and plain request, and what was read of it. */
  seen: Intercepted[]
  close(): Promise<void>
}

export async function startInterceptingProxy(ca: TestCa): Promise<InterceptingProxy> {
  const seen: Intercepted[] = []
  const sockets = new Set<Socket | Duplex>()
  const record =
    (entry: Intercepted) =>
    (req: IncomingMessage, res: ServerResponse): void => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        entry.text = `${req.method ?? ''} ${req.url ?? ''}\n${JSON.stringify(req.headers)}\n${Buffer.concat(chunks).toString('utf8')}`
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      })
    }
  const plain = createServer((req, res) => {
    const entry: Intercepted = { target: req.url ?? '' }
    seen.push(entry)
    record(entry)(req, res)
  })
  plain.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    sockets.add(client)
    client.on('error', () => undefined)
    const entry: Intercepted = { target: req.url ?? '' }
    seen.push(entry)
    const inside = createHttpsServer(ca.leaf, record(entry))
    inside.on('tlsClientError', () => undefined)
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
    if (head.length) client.unshift(head)
    inside.emit('connection', client)
  })
  plain.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>(resolve => plain.listen(0, '127.0.0.1', resolve))
  const { port } = plain.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>(resolve => {
        for (const socket of sockets) socket.destroy()
        plain.close(() => resolve())
      })
  }
}
