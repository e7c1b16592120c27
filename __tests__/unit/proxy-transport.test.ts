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
