/**
 * A real forward proxy on loopback: HTTP CONNECT tunnels (what `@actions/http-client` uses, for https://
 * and http:// targets alike) and plain absolute-URI requests. `@actions/http-client` never proxies
 * localhost or 127.*, so tests address servers by made-up names (`keycloak.test`) that this proxy maps to
 * 127.0.0.1; any other name is refused with 502, so nothing ever leaves the machine.
 * Optionally it requires Basic proxy credentials (407 otherwise), to test credentials in a proxy URL.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'

export interface ForwardProxy {
  /** `http://127.0.0.1:<port>` (no credentials). */
  url: string
  port: number
  /** `host:port` of every tunnel established. */
  tunnels: string[]
  /** Absolute URIs of plain (non-CONNECT) requests forwarded. */
  plain: string[]
  /** Requests refused for missing or wrong credentials (407). */
  refused: number
  /** Clears the counters. */
  reset(): void
  close(): Promise<void>
}

export interface ForwardProxyOptions {
  /** Made-up host names and the loopback address each stands for. */
  hosts: Record<string, string>
  /** Require `Proxy-Authorization: Basic` with these credentials. */
  credentials?: { user: string; password: string }
}

export async function startForwardProxy(options: ForwardProxyOptions): Promise<ForwardProxy> {
  const tunnels: string[] = []
  const plain: string[] = []
  let refused = 0
  const sockets = new Set<Socket>()
  const expected = options.credentials
    ? `Basic ${Buffer.from(`${options.credentials.user}:${options.credentials.password}`).toString('base64')}`
    : undefined
  const authorized = (req: IncomingMessage): boolean => {
    if (!expected || req.headers['proxy-authorization'] === expected) return true
    refused++
    return false
  }
  /** The loopback address a name maps to; undefined for a name the proxy does not know. */
  const resolve = (host: string): string | undefined => options.hosts[host.toLowerCase()]

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!authorized(req)) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="test proxy"' }).end()
      return
    }
    let url: URL
    try {
      url = new URL(req.url ?? '')
    } catch {
      res.writeHead(400).end()
      return
    }
    const address = resolve(url.hostname)
    if (!address) {
      res.writeHead(502).end()
      return
    }
    plain.push(url.href)
    const headers = { ...req.headers }
    delete headers['proxy-authorization']
    const up = httpRequest(
      { host: address, port: url.port || 80, method: req.method, path: `${url.pathname}${url.search}`, headers },
      upRes => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers)
        upRes.pipe(res)
      }
    )
    up.on('error', () => res.destroy())
    req.pipe(up)
  })

  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    client.on('error', () => undefined)
    if (!authorized(req)) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test proxy"\r\n\r\n')
      return
    }
    const [host = '', port = '443'] = (req.url ?? '').split(/:(?=\d+$)/)
    const address = resolve(host)
    if (!address) {
      client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n')
      return
    }
    const upstream = connect(Number(port), address, () => {
      tunnels.push(`${host}:${port}`)
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', () => client.destroy())
    client.on('close', () => upstream.destroy())
  })

  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>(done => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    tunnels,
    plain,
    get refused() {
      return refused
    },
    reset() {
      tunnels.length = 0
      plain.length = 0
      refused = 0
    },
    close: () =>
      new Promise<void>(done => {
        for (const socket of sockets) socket.destroy()
        server.close(() => done())
      })
  }
}
