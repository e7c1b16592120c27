/** A request body sent from a file (the scan step's upload), direct and through a forward proxy. */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { CHUNK_BYTES } from '../../../src/net/file-body.ts'
import { httpTransport } from '../../../src/net/transport.ts'
import { startForwardProxy } from '../../support/forward-proxy.ts'

async function storage(t: TestContext): Promise<{ port: number; got: string[] }> {
  const got: string[] = []
  const server = createServer((req, res) => {
    let size = 0
    let sum = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      for (const byte of chunk) sum = (sum + byte) % 65521
    })
    req.on('end', () => {
      got.push(
        `${req.method} ${req.headers['content-length']} ${size} ${sum} ${req.headers.authorization ?? 'no authorization'}`
      )
      res.end('stored')
    })
    req.on('error', () => undefined)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    server.closeAllConnections()
    server.close()
  })
  return { port: (server.address() as AddressInfo).port, got }
}

/** A file of `size` bytes (byte i is i % 251), and its checksum as the server computes it. */
function image(t: TestContext, size: number): { path: string; sum: number } {
  const dir = mkdtempSync(join(tmpdir(), 'binarly-file-body-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const bytes = Buffer.alloc(size)
  let sum = 0
  for (let i = 0; i < size; i++) {
    bytes[i] = i % 251
    sum = (sum + (i % 251)) % 65521
  }
  const path = join(dir, 'image.bin')
  writeFileSync(path, bytes)
  return { path, sum }
}

test('a PUT sends the file whole, in chunks, with its length', async t => {
  const { port, got } = await storage(t)
  const size = 2 * CHUNK_BYTES + 12345
  const { path, sum } = image(t, size)
  const answer = await httpTransport({
    method: 'PUT',
    url: `http://127.0.0.1:${port}/upload`,
    headers: {},
    file: { path, size },
    timeoutMs: 10_000
  })
  assert.deepEqual([answer.status, answer.body], [200, 'stored'])
  assert.deepEqual(got, [`PUT ${size} ${size} ${sum} no authorization`])
})

test('a file that cannot be read, or ends early, fails the request', async t => {
  const { port } = await storage(t)
  const { path } = image(t, 1000)
  const put = (file: { path: string; size: number }) =>
    httpTransport({ method: 'PUT', url: `http://127.0.0.1:${port}/upload`, headers: {}, file, timeoutMs: 5000 })
  await assert.rejects(put({ path: `${path}.gone`, size: 10 }), (error: Error & { code?: string }) => {
    assert.equal(error.name, 'TransportError')
    assert.equal(error.code, 'ENOENT')
    return true
  })
  await assert.rejects(put({ path, size: 2000 }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'EFILECHANGED')
    assert.match(error.message, /^the file ended after 1000 of its 2000 bytes: it changed while it was sent$/)
    return true
  })
})

test('a PUT through the proxy sends the file too', async t => {
  const { port, got } = await storage(t)
  const { path, sum } = image(t, 300_000)
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
    file: { path, size: 300_000 },
    timeoutMs: 5000
  })
  assert.equal(answer.status, 200)
  assert.deepEqual(got, [`PUT 300000 300000 ${sum} no authorization`])
})
