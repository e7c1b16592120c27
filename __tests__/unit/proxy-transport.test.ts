/** The hook that puts the attempt's abort signal on the request http-client builds for a proxy. */
import assert from 'node:assert/strict'
import type { RequestOptions } from 'node:http'
import { test } from 'node:test'
import { abortOn } from '../../src/proxy-transport.ts'

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
