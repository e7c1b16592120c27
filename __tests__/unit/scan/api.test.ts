/**
 * The scan step's API client against a real loopback server through the real transport: a 401 costs one
 * renewal, reads are retried, a create is repeated only when it cannot have reached the server.
 */
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, test } from 'node:test'
import { BinarlyClient, httpFailure, multipart } from '../../../src/scan/api.ts'
import type { TokenSource } from '../../../src/scan/tokens.ts'
import { httpTransport } from '../../../src/net/transport.ts'
import type { Clock } from '../../../src/net/retry.ts'

const clock: Clock = { now: () => Date.now(), sleep: async () => undefined, random: () => 0 }

async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void
): Promise<{ url: URL; close(): void }> {
  const server = createServer(handler)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    close: () => {
      server.closeAllConnections()
      server.close()
    }
  }
}

function client(url: URL, retries = 2): { api: BinarlyClient; asked: string[]; lines: string[] } {
  const asked: string[] = []
  const lines: string[] = []
  let n = 0
  const tokens: TokenSource = {
    token: async () => (asked.push('token'), `t${++n}`),
    renew: async refused => (asked.push(`renew ${refused}`), `t${++n}`),
    authUrl: () => undefined
  }
  const log = { info: (m: string) => lines.push(m), debug: () => undefined }
  return {
    api: new BinarlyClient(url, { timeoutMs: 5000, retries }, { transport: httpTransport, clock, log, tokens }),
    asked,
    lines
  }
}

describe('BinarlyClient', () => {
  test('401 → one renewal → the call once more; a second 401 is the client refused', async t => {
    const seen: string[] = []
    const server = await serve((req, res) => {
      seen.push(String(req.headers.authorization))
      res.writeHead(401).end(JSON.stringify({ message: 'no\n::error::x' }))
    })
    t.after(() => server.close())
    const { api, asked } = client(server.url)
    await assert.rejects(
      api.call({ what: 'Checking product P', method: 'GET', path: '/products/P', kind: 'read' }),
      /^Error: Checking product P: HTTP 401 with a new token too: Binarly refuses this client\. .* The server said: no\\n::error::x$/
    )
    assert.deepEqual(seen, ['Bearer t1', 'Bearer t2'])
    assert.deepEqual(asked, ['token', 'renew t1'])
  })

  test('a read is retried on 5xx; JSON and multipart bodies; a non-JSON error body is quoted inert', async t => {
    let calls = 0
    const bodies: string[] = []
    const server = await serve((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        bodies.push(`${req.headers['content-type']} ${body}`)
        if (++calls === 1) return res.writeHead(502).end('<html>bad gateway</html>')
        res.writeHead(200).end('{"ok":true}')
      })
    })
    t.after(() => server.close())
    const { api, lines } = client(server.url)
    assert.deepEqual(await api.call({ what: 'Q', method: 'POST', path: '/grids/x', json: { a: 1 }, kind: 'read' }), {
      ok: true
    })
    assert.match(lines[0] ?? '', /^Q: attempt 1 of 3 failed \(HTTP 502\); retrying in 0 ms$/)
    assert.deepEqual(bodies.slice(0, 2), ['application/json {"a":1}', 'application/json {"a":1}'])
    await api.call({
      what: 'U',
      method: 'POST',
      path: '/u',
      form: { tempFileId: 'T', file: 'a"b.bin' },
      kind: 'create'
    })
    assert.match(bodies[2] ?? '', /^multipart\/form-data; boundary=binarly-m2m-auth-[0-9a-f]{24} --binarly/)
    assert.match(
      bodies[2] ?? '',
      /name="file"; filename="a_b\.bin"\r\nContent-Type: application\/octet-stream\r\n\r\n\r\n--/
    )
  })

  test('a create is not repeated after a 5xx or a broken connection, but is after a refused connection', async t => {
    let calls = 0
    const server = await serve((req, res) => {
      calls++
      if (req.url?.endsWith('/reset')) return req.socket.destroy()
      res.writeHead(503).end('')
    })
    t.after(() => server.close())
    const { api } = client(server.url)
    await assert.rejects(
      api.call({ what: 'Creating product', method: 'POST', path: '/products', json: {}, kind: 'create' }),
      /^EndpointError: Creating product: HTTP 503\. The server said: \(nothing\)\.$/
    )
    await assert.rejects(
      api.call({ what: 'Finishing the upload', method: 'POST', path: '/reset', json: {}, kind: 'create' }),
      /^EndpointError: Finishing the upload: network error talking to 127\.0\.0\.1:\d+: .*The connection to 127\.0\.0\.1:\d+ was closed before an answer came: check the host and port in api-url/
    )
    assert.equal(calls, 2)
    server.close()
    const { api: gone, lines } = client(server.url, 1)
    await assert.rejects(
      gone.call({ what: 'Creating product', method: 'POST', path: '/products', json: {}, kind: 'create' }),
      /Gave up after 2 attempts/
    )
    assert.equal(lines.length, 1)
  })

  test('an error that is not the network is not an attempt failure', async () => {
    const tokens: TokenSource = { token: async () => 't', renew: async () => 't', authUrl: () => undefined }
    const transport = async (): Promise<never> => {
      throw new TypeError('a bug')
    }
    const api = new BinarlyClient(
      new URL('http://127.0.0.1:9'),
      { timeoutMs: 1000, retries: 1 },
      {
        transport,
        clock,
        log: { info: () => undefined, debug: () => undefined },
        tokens
      }
    )
    await assert.rejects(api.call({ what: 'x', method: 'GET', path: '/', kind: 'read' }), /^TypeError: a bug$/)
  })

  test('httpFailure: what an HTTP error means for each kind of call', () => {
    const at = (status: number, body = '', headers = {}) => ({ status, body, headers })
    assert.equal(httpFailure(at(429, '', { 'retry-after': '2' }), 'create', 0).retryAfterMs, 2000)
    assert.equal(httpFailure(at(429), 'create', 0).transient, true)
    assert.equal(httpFailure(at(500), 'create', 0).transient, false)
    assert.equal(httpFailure(at(500), 'upload', 0).transient, true)
    assert.equal(httpFailure(at(404), 'read', 0).transient, false)
    assert.equal(
      httpFailure(at(404, '{"message":"gone"}'), 'read', 0).detail,
      'HTTP 404, not found: check api-url and product-id. The server said: gone'
    )
    assert.match(
      httpFailure(at(409, '{"message":3}'), 'create', 0).detail,
      /^HTTP 409, a conflict: .* The server said: \{"message":3\}$/
    )
    assert.equal(httpFailure(at(403, 'expired'), 'upload', 0).detail, 'HTTP 403. The storage said: expired')
    assert.equal(httpFailure(at(400, 'null'), 'read', 0).detail, 'HTTP 400. The server said: null')
    assert.equal(multipart('B', { a: '1' }), '--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--B--\r\n')
  })
})
