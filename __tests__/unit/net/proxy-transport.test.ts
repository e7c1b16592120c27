/** The hook that puts the attempt's abort signal on the request http-client builds for a proxy. */
import assert from 'node:assert/strict'
import { createServer, type RequestOptions } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { abortOn, sendThroughProxy } from '../../../src/net/proxy-transport.ts'
import { startForwardProxy } from '../../support/forward-proxy.ts'

test('abortOn puts the signal on the request and authenticates nothing', async () => {
  const abort = new AbortController()
  const handler = abortOn(abort.signal)
  const options: RequestOptions = {}
  handler.prepareRequest(options)
  assert.equal(options.signal, abort.signal)
  assert.equal(handler.canHandleAuthentication({} as never), false)
  await assert.rejects(handler.handleAuthentication({} as never, {} as never, null), /not an authentication handler/)
})

test("abortOn puts the signal on the tunnel agent's CONNECT request too", () => {
  const abort = new AbortController()
  const seen: RequestOptions[] = []
  const agent = { request: (connectOptions: RequestOptions) => seen.push(connectOptions) }
  const options = { agent } as unknown as RequestOptions
  abortOn(abort.signal).prepareRequest(options)
  agent.request({ method: 'CONNECT', path: 'kc.example.com:443' })
  assert.deepEqual(seen, [{ method: 'CONNECT', path: 'kc.example.com:443', signal: abort.signal }])
})

test('a GET (OpenID discovery) goes through the proxy without a body', async t => {
  const server = createServer((req, res) => res.end(`${req.method} ${req.headers['content-length'] ?? 'no length'}`))
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.after(() => server.close())
  const proxy = await startForwardProxy({ hosts: { 'issuer.test': '127.0.0.1' } })
  t.after(() => proxy.close())
  const saved = process.env.http_proxy
  process.env.http_proxy = proxy.url
  t.after(() => {
    if (saved === undefined) Reflect.deleteProperty(process.env, 'http_proxy')
    else process.env.http_proxy = saved
  })
  const { port } = server.address() as AddressInfo
  const open = await sendThroughProxy(
    { method: 'GET', url: `http://issuer.test:${port}/.well-known/openid-configuration`, headers: {}, timeoutMs: 5000 },
    new AbortController().signal
  )
  const chunks: Buffer[] = []
  for await (const chunk of open.message) chunks.push(chunk as Buffer)
  open.dispose()
  assert.equal(Buffer.concat(chunks).toString(), 'GET no length')
  assert.deepEqual(proxy.tunnels, [`issuer.test:${port}`])
})
