/**
 * The main bundle against a scripted token endpoint on loopback, for answers oidc-provider does not give in
 * these tests: an id_token and a refresh_token beside the access token, no expires_in, and a Content-Length
 * that announces more than the 1 MiB body cap; and the form the step sends for audience and resource.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { assertMaskedFirst, assertNowhere } from '../support/leaks.ts'
import { runStep, visibleOutput } from '../support/runner.ts'

const CLIENT = { id: 'scripted-client', secret: 'scripted-secret-value-0042' }
const TOKEN_PATH = '/realms/BinarlyRealm/protocol/openid-connect/token'

type Answer = (res: ServerResponse) => void
let answer: Answer = () => {}
let requests = 0
/** The form the last token request sent. */
let lastForm = new URLSearchParams()
const sockets = new Set<Socket>()
const server = createServer((req, res) => {
  requests++
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    lastForm = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
    answer(res)
  })
})
server.on('connection', socket => {
  sockets.add(socket)
  socket.on('close', () => sockets.delete(socket))
})
let authUrl = ''

before(async () => {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  authUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${TOKEN_PATH}`
})
after(async () => {
  for (const socket of sockets) socket.destroy()
  await new Promise<void>(resolve => server.close(() => resolve()))
})

const json =
  (body: Record<string, unknown>): Answer =>
  res => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }
const opaque = (): string => randomBytes(24).toString('base64url')

async function main(script: Answer, inputs: Record<string, string> = {}) {
  answer = script
  requests = 0
  return runStep(
    'main',
    { 'auth-url': authUrl, 'client-id': CLIENT.id, 'client-secret': CLIENT.secret, ...inputs },
    { killAfterMs: 30_000 }
  )
}

describe('what the token endpoint hands out beside the access token', () => {
  test('an id_token and a refresh_token are masked, and shown nowhere', async () => {
    const accessToken = opaque()
    const idToken = `eyJhbGciOiJub25lIn0.${opaque()}.`
    const refreshToken = opaque()
    const result = await main(
      json({
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: 300,
        id_token: idToken,
        refresh_token: refreshToken
      })
    )
    assert.equal(result.code, 0, result.stdout + result.stderr)
    assertMaskedFirst(result, accessToken)
    assert.ok(result.masks.includes(idToken), 'the id_token was not masked')
    assert.ok(result.masks.includes(refreshToken), 'the refresh_token was not masked')
    assertNowhere(result, [idToken, refreshToken, CLIENT.secret])
  })
})

describe('share without expires_in', () => {
  test('the token is not shared, with a warning that says why; the job still gets it', async () => {
    const accessToken = opaque()
    const result = await main(json({ access_token: accessToken, token_type: 'Bearer' }), { share: 'true' })
    assert.equal(result.code, 0, result.stdout + result.stderr)
    assert.equal(result.outputs['access-token'], accessToken)
    assert.equal(result.outputs['expires-in'], '')
    assert.equal(result.outputs['shared-token'], undefined)
    assert.deepEqual(result.warnings, [
      'share: the token is not shared, since the server did not say when it expires (no expires_in), so the other jobs could not check it is still valid; they will exchange their own credentials.'
    ])
    // Not shared, so the post step may revoke it.
    assert.equal(result.state.shared, 'false')
    assertMaskedFirst(result, accessToken)
    assertNowhere(result, [CLIENT.secret])
  })
})

describe('the 1 MiB body cap', () => {
  test('a Content-Length over 1 MiB fails at once, before the body arrives, and is not retried', async () => {
    // The body never comes: only the announced length can make the step fail with the cap's message. A step
    // that waited for the body would instead time out (and retry).
    const result = await main(
      res => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(2 * 1024 * 1024) })
        res.write('{"access_token":"')
      },
      { timeout: '20' }
    )
    assert.equal(result.code, 1, result.stdout + result.stderr)
    assert.equal(requests, 1)
    assert.deepEqual(result.errors, [
      `binarly-m2m-auth: Token request to ${authUrl} for client "${CLIENT.id}" failed: the answer is larger than 1 MiB, which no token response is: check that auth-url is the token endpoint.`
    ])
    assert.doesNotMatch(visibleOutput(result), /attempt \d+ of \d+ failed/)
    assertNowhere(result, [CLIENT.secret])
  })
})

describe('outside a runner that offers a job summary', () => {
  test('without GITHUB_STEP_SUMMARY the step succeeds and writes no summary', async () => {
    const accessToken = opaque()
    answer = json({ access_token: accessToken, token_type: 'Bearer', expires_in: 300 })
    const result = await runStep(
      'main',
      { 'auth-url': authUrl, 'client-id': CLIENT.id, 'client-secret': CLIENT.secret },
      { env: { GITHUB_STEP_SUMMARY: undefined }, killAfterMs: 30_000 }
    )
    assert.equal(result.code, 0, result.stdout + result.stderr)
    assert.equal(result.outputs['access-token'], accessToken)
    assert.equal(result.summary, '')
    assert.doesNotMatch(result.stdout, /No job summary written/)
    assertMaskedFirst(result, accessToken)
  })
})

describe('audience and resource', () => {
  test('are sent as form fields, one resource field per line of the input', async () => {
    const result = await main(json({ access_token: opaque(), token_type: 'Bearer', expires_in: 300 }), {
      audience: 'binarly-api',
      resource: 'https://api.binarly.example/\nhttps://scan.binarly.example/'
    })
    assert.equal(result.code, 0, result.stdout + result.stderr)
    assert.equal(lastForm.get('grant_type'), 'client_credentials')
    assert.equal(lastForm.get('audience'), 'binarly-api')
    assert.deepEqual(lastForm.getAll('resource'), ['https://api.binarly.example/', 'https://scan.binarly.example/'])
    assert.equal(lastForm.get('scope'), null)
  })
})
