/**
 * revokeToken against a real loopback server answering what each test says: what is sent (RFC 7009's form, the
 * client's authentication), which answers count as revoked (2xx only), the retry bound and the time budget,
 * and a failure that says until when the token stays valid without quoting anything that was sent.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { readConfig } from '../../../src/common/config.ts'
import { httpTransport } from '../../../src/net/transport.ts'
import { realClock } from '../../../src/net/retry.ts'
import { postStepRevocation } from '../../../src/oauth/post-revocation.ts'
import { REVOKE_TIMEOUT_MS, revokeTimeoutMs, revokeToken, revocationBody } from '../../../src/oauth/revoke.ts'
import { fakeCore } from '../../support/fake-core.ts'

const TOKEN = 'the-token-to-revoke-0123456789'
let server: Server
let url: string
/** What the server answers next, and what it received. */
let answer: { status: number; body: string } = { status: 200, body: '' }
let received: { body: string; authorization: string | undefined }[] = []
before(async () => {
  server = createServer((request, response) => {
    let body = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => (body += chunk))
    request.on('end', () => {
      received.push({ body, authorization: request.headers.authorization })
      response.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/revoke`
})
after(() => server.close())

async function revoke(
  status: number,
  inputs: Record<string, string> = {},
  expiresAt = '2099-01-01T00:00:00.000Z',
  endpoint = url
) {
  answer = { status, body: `no: ${TOKEN}` }
  received = []
  const all: Record<string, string> = {
    'auth-url': url,
    'client-id': 'the-client',
    'client-secret': 'the-secret-value',
    'allow-http': 'true',
    ...inputs
  }
  const config = readConfig(name => all[name], { readFile: () => '' })
  const { core, recorded } = fakeCore()
  const deps = await postStepRevocation(config, endpoint, undefined, {
    core,
    transport: httpTransport,
    clock: realClock,
    env: {},
    trustCAs: async () => 0
  })
  const done = revokeToken(config, { token: TOKEN, revocationEndpoint: endpoint, tokenEndpoint: url, expiresAt }, deps)
  return { done, recorded }
}

test('RFC 7009: the token, its hint, then the client authentication of the exchange', async () => {
  const post = await revoke(200)
  await post.done
  assert.deepEqual(received, [
    {
      body: 'token=the-token-to-revoke-0123456789&token_type_hint=access_token&client_id=the-client&client_secret=the-secret-value',
      authorization: undefined
    }
  ])
  assert.equal(revocationBody('a b', { client_id: 'c&d' }), 'token=a+b&token_type_hint=access_token&client_id=c%26d')
  const basic = await revoke(200, { 'auth-method': 'client_secret_basic' })
  await basic.done
  assert.deepEqual(received, [
    {
      body: 'token=the-token-to-revoke-0123456789&token_type_hint=access_token',
      authorization: `Basic ${Buffer.from('the-client:the-secret-value').toString('base64')}`
    }
  ])
})

test('what authenticates the client is masked before it is sent; the log names the revocation', async () => {
  const basic = await revoke(200, { 'auth-method': 'client_secret_basic' })
  await basic.done
  const header = Buffer.from('the-client:the-secret-value').toString('base64')
  assert.ok(basic.recorded.calls.some(([kind, value]) => kind === 'setSecret' && value === header))
  assert.match(basic.recorded.calls.find(([kind]) => kind === 'debug')?.[1] ?? '', /^Revocation: attempt 1 succeeded/)
})

test('a revocation endpoint nothing answers at: the failure says so, with no HTTP status', async () => {
  const { done } = await revoke(200, { retries: '0' }, '2099-01-01T00:00:00.000Z', 'http://127.0.0.1:1/revoke')
  await assert.rejects(done, /Could not revoke the token at http:\/\/127\.0\.0\.1:1\/revoke: network error talking to/)
})

test('every 2xx is revoked; any other answer is a failure, never a success', async () => {
  for (const status of [200, 204, 299]) await (await revoke(status)).done
  for (const status of [300, 400, 401, 404]) {
    const { done } = await revoke(status)
    await assert.rejects(done, new RegExp(`HTTP ${status}`))
    assert.equal(received.length, 1, `HTTP ${status} was retried`)
  }
})

test('a failure says until when the token stays valid, and quotes nothing that was sent', async () => {
  const { done } = await revoke(400)
  await assert.rejects(done, (error: Error) => {
    assert.match(
      error.message,
      /^Could not revoke the token at http:\/\/127\.0\.0\.1:\d+\/revoke: HTTP 400, .* It stays valid until 2099-01-01T00:00:00\.000Z; if this server cannot revoke tokens, set revoke: false\./
    )
    assert.ok(!error.message.includes(TOKEN), 'the token is quoted')
    return true
  })
  const unknown = await revoke(400, {}, '')
  await assert.rejects(unknown.done, /It stays valid until it expires; /)
})

test('at most one retry, fewer when retries says so; within at most 10 s, less when timeout says so', async () => {
  const twice = await revoke(503, { retries: '5' })
  await assert.rejects(twice.done, /HTTP 503.*a revocation is retried at most once/s)
  assert.equal(received.length, 2)
  const once = await revoke(503, { retries: '0' })
  await assert.rejects(once.done, /HTTP 503/)
  assert.equal(received.length, 1)
  assert.equal(revokeTimeoutMs({ timeoutMs: 60_000 }), REVOKE_TIMEOUT_MS)
  assert.equal(REVOKE_TIMEOUT_MS, 10_000)
  assert.equal(revokeTimeoutMs({ timeoutMs: 3000 }), 3000)
})
