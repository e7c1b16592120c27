/** A request body streamed from disk (the scan step's upload), direct and through a forward proxy. */
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { test, type TestContext } from 'node:test'
import { httpTransport } from '../../../src/net/transport.ts'
import { startForwardProxy } from '../../support/forward-proxy.ts'

async function storage(t: TestContext): Promise<{ port: number; got: string[] }> {
  const got: string[] = []
  const server = createServer((req, res) => {
    let size = 0
    req.on('data', (chunk: Buffer) => (size += chunk.length))
    req.on('end', () => {
      got.push(
        `${req.method} ${req.headers['content-length']} ${size} ${req.headers.authorization ?? 'no authorization'}`
      )
      res.end('stored')
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    server.closeAllConnections()
    server.close()
  })
  return { port: (server.address() as AddressInfo).port, got }
}

const chunks = (n: number): Readable => Readable.from(Array.from({ length: n }, () => Buffer.alloc(65536, 7)))

test('a PUT streams the file with its length', async t => {
  const { port, got } = await storage(t)
  const answer = await httpTransport({
    method: 'PUT',
    url: `http://127.0.0.1:${port}/upload`,
    headers: {},
    file: { open: () => chunks(16), size: 16 * 65536 },
    timeoutMs: 5000
  })
  assert.deepEqual([answer.status, answer.body], [200, 'stored'])
  assert.deepEqual(got, [`PUT ${16 * 65536} ${16 * 65536} no authorization`])
})

test('a file that cannot be read fails the request', async t => {
  const { port } = await storage(t)
  const broken = (): Readable =>
    new Readable({
      read() {
        this.destroy(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }))
      }
    })
  await assert.rejects(
    httpTransport({
      method: 'PUT',
      url: `http://127.0.0.1:${port}/upload`,
      headers: {},
      file: { open: broken, size: 10 },
      timeoutMs: 5000
    }),
    (error: Error & { code?: string }) => error.name === 'TransportError' && error.code === 'EIO'
  )
})

test('a PUT through the proxy streams the file too', async t => {
  const { port, got } = await storage(t)
  const proxy = await startForwardProxy({ hosts: { 'storage.test': '127.0.0.1' } })
  t.after(() => proxy.close())
  const saved = process.env.http_proxy
  process.env.http_proxy = proxy.url
  t.after(() => {
    if (saved === undefined) Reflect.deleteProperty(process.env, 'http_proxy')
    else process.env.http_proxy = saved
  })
  const answer = await httpTransport({
    method: 'PUT',
    url: `http://storage.test:${port}/upload`,
    headers: {},
    file: { open: () => chunks(4), size: 4 * 65536 },
    timeoutMs: 5000
  })
  assert.equal(answer.status, 200)
  assert.deepEqual(got, [`PUT ${4 * 65536} ${4 * 65536} no authorization`])
})
