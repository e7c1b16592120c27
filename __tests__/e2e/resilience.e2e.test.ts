/**
 * The main bundle, run the way the runner runs it, against the real oidc-provider behind a fault-injecting
 * proxy: exact request counts, outcomes and wall times for each way the server or the network misbehaves.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { fault, startFaultProxy, type Fault, type FaultProxy } from '../support/fault-proxy.ts'
import { assertMaskedFirst, assertNowhere } from '../support/leaks.ts'
import { CLIENTS, startOidcServer, type OidcServer } from '../support/oidc-server.ts'
import { runStep, visibleOutput, type StepResult } from '../support/runner.ts'

/**
 * Time bounds are checked on the step's own clock (the "in 2.1 s" it reports, measured from the start of its
 * work), never on the wall time of the child process: starting Node alone can take seconds on a loaded
 * two-core machine. The slack is for timers and the event loop running late under load.
 */
const LATE_TIMER_MS = 1000
const SECRET = CLIENTS.post.secret

let server: OidcServer
let proxy: FaultProxy
before(async () => {
  server = await startOidcServer()
  proxy = await startFaultProxy(server.issuer, { rewriteOrigin: true })
})
after(async () => {
  await proxy.close()
  await server.close()
})

interface Run {
  result: StepResult
}

/** Scripts the proxy, and runs the main step with the token endpoint behind it. */
async function run(
  faults: Fault[],
  inputs: Record<string, string> = {},
  env: Record<string, string> = {}
): Promise<Run> {
  proxy.script(faults)
  const result = await runStep(
    'main',
    { 'auth-url': `${proxy.url}/token`, 'client-id': CLIENTS.post.id, 'client-secret': SECRET, ...inputs },
    { env, killAfterMs: 30_000 }
  )
  return { result }
}

/** What the step reports it took ("… in 2.1 s." / "… in 850 ms:"), on its own clock. */
function tookMs(line: string): number {
  const took = / in (\d+(?:\.\d+)?) (ms|s)[.:]/.exec(line)
  assert.ok(took, `no time in: ${line}`)
  return Number(took[1]) * (took[2] === 's' ? 1000 : 1)
}

/** The time of the success line ("Got a Bearer token … in 2.1 s."). */
const tookToToken = (result: StepResult): number =>
  tookMs(result.stdout.split('\n').find(line => line.startsWith('Got a ')) ?? '')

/** Success as a user sees it: a live token, masked before anything else printed it, and no secret anywhere. */
async function assertToken(result: StepResult): Promise<void> {
  assert.equal(result.code, 0, result.stdout + result.stderr)
  const token = result.outputs['access-token'] ?? ''
  assert.equal(result.env.BINARLY_ACCESS_TOKEN, token)
  assertMaskedFirst(result, token)
  assertNowhere(result, [SECRET])
  assert.equal((await server.introspect(token)).active, true)
}

/** Failure as a user sees it: one error line that matches, no stack trace, no secret anywhere. */
function assertFailure(result: StepResult, message: RegExp): string {
  assert.equal(result.code, 1, result.stdout + result.stderr)
  assert.equal(result.errors.length, 1, result.stdout)
  const error = result.errors[0] ?? ''
  assert.match(error, /^binarly-m2m-auth: /)
  assert.match(error, message)
  assert.doesNotMatch(visibleOutput(result), /^\s+at .+:\d+:\d+\)?$/m, 'a stack trace was printed')
  assertNowhere(result, [SECRET])
  return error
}

const retryLines = (result: StepResult): string[] =>
  result.stdout.split('\n').filter(l => /attempt \d+ of \d+ failed/.test(l))

describe('transient failures are retried', () => {
  test('a 503 is retried: two requests, one retry line, a token', async () => {
    const { result } = await run([fault.unavailable()])
    await assertToken(result)
    assert.equal(proxy.requests.length, 2)
    assert.deepEqual(
      retryLines(result).map(l => l.replace(/\d+ ms|[\d.]+ s$/, 'N')),
      ['Token request: attempt 1 of 4 failed (HTTP 503); retrying in N']
    )
  })

  test('a connection reset is retried: two requests, a token', async () => {
    const { result } = await run([fault.reset()])
    await assertToken(result)
    assert.equal(proxy.requests.length, 2)
    assert.match(
      retryLines(result)[0] ?? '',
      /attempt 1 of 4 failed \(network error talking to 127\.0\.0\.1:\d+: socket hang up \(ECONNRESET\)\)/
    )
  })

  test('429 with Retry-After in seconds: the second request comes no sooner than asked', async () => {
    const { result } = await run([fault.tooManyRequests('1')])
    await assertToken(result)
    const [first, second] = proxy.requests
    assert.equal(proxy.requests.length, 2)
    assert.ok(
      first && second && second.at - first.at >= 990,
      `waited ${String(second && first && second.at - first.at)} ms`
    )
    assert.match(retryLines(result)[0] ?? '', /failed \(HTTP 429\); retrying in 1 s$/)
  })

  test('429 with Retry-After as an HTTP date: waited until then', async () => {
    const until = new Date(Date.now() + 2000).toUTCString()
    const { result } = await run([fault.tooManyRequests(until)])
    await assertToken(result)
    const [first, second] = proxy.requests
    assert.equal(proxy.requests.length, 2)
    assert.ok(first && second)
    assert.ok(
      second.at >= Date.parse(until) - 10,
      `asked to wait until ${until}, came back ${Date.parse(until) - second.at} ms early`
    )
  })

  test('a hung server: the attempt times out and the retry succeeds, well within timeout', async () => {
    const { result } = await run([fault.hang()], { timeout: '3' })
    await assertToken(result)
    assert.equal(proxy.requests.length, 2)
    assert.match(retryLines(result)[0] ?? '', /no complete answer within 1 s \(ETIMEDOUT\)/)
    const ms = tookToToken(result)
    assert.ok(ms >= 1000 && ms < 3000 + LATE_TIMER_MS, `took ${ms} ms`)
  })

  test('a trickling answer is cut at the attempt deadline, then retried', async () => {
    // One byte every 200 ms: the real token response would take half a minute.
    const { result } = await run([fault.trickle(200)], { timeout: '3' })
    await assertToken(result)
    assert.equal(proxy.requests.length, 2)
    const ms = tookToToken(result)
    assert.ok(ms >= 1000 && ms < 3000 + LATE_TIMER_MS, `took ${ms} ms`)
  })

  test('OpenID discovery is retried too', async () => {
    // auth-url is the issuer behind the proxy, and the document names the endpoints behind it too.
    proxy.script([fault.unavailable()])
    const before = server.tokenRequests().length
    const result = await runStep('main', {
      'auth-url': proxy.url,
      'client-id': CLIENTS.post.id,
      'client-secret': SECRET
    })
    await assertToken(result)
    assert.deepEqual(
      proxy.requests.map(r => `${r.method} ${r.path}`),
      ['GET /.well-known/openid-configuration', 'GET /.well-known/openid-configuration', 'POST /token']
    )
    assert.equal(server.tokenRequests().length, before + 1)
    assert.match(retryLines(result)[0] ?? '', /^OpenID discovery: attempt 1 of 4 failed \(HTTP 503\)/)
  })
})

describe('what cannot succeed fails at once, or within the bounds', () => {
  test('a wrong secret (401) is not retried: exactly one request', async () => {
    proxy.script([])
    const result = await runStep('main', {
      'auth-url': `${proxy.url}/token`,
      'client-id': CLIENTS.post.id,
      'client-secret': 'wrong-secret-value-123'
    })
    assert.equal(proxy.requests.length, 1)
    assertFailure(result, /HTTP 401 invalid_client/)
    assertNowhere(result, ['wrong-secret-value-123'])
    assert.deepEqual(retryLines(result), [])
  })

  test('retries: 0 makes one request, and the error says why it stopped', async () => {
    const { result } = await run([fault.unavailable(), fault.unavailable()], { retries: '0' })
    assert.equal(proxy.requests.length, 1)
    assertFailure(
      result,
      /failed: HTTP 503, text\/html: "Service Unavailable"\. Gave up after 1 attempt in \d+ ms: no retries left \(the retries input is 0\)\.$/
    )
  })

  test('a Retry-After beyond the timeout fails fast, saying so', async () => {
    const { result } = await run([fault.tooManyRequests('60')], { timeout: '5' })
    assert.equal(proxy.requests.length, 1)
    const error = assertFailure(
      result,
      /HTTP 429.*Gave up after 1 attempt in [\d.]+ m?s: the server asked to wait 60 s \(Retry-After\), longer than the timeout input leaves\.$/
    )
    // Neither the 60 s asked for nor the 5 s the timeout leaves: one answer's time.
    assert.ok(tookMs(error.slice(error.indexOf('Gave up after'))) < 2500, error)
  })

  test('a server that always hangs: the whole run stays within timeout, and the error names attempts and the last failure', async () => {
    const { result } = await run(Array.from({ length: 6 }, fault.hang), { timeout: '2', retries: '5' })
    const error = assertFailure(
      result,
      /failed: network error talking to 127\.0\.0\.1:\d+: no complete answer within [\d.]+ m?s \(ETIMEDOUT\)\. Gave up after (\d) attempts in [\d.]+ s: the timeout input leaves no time for another attempt\.$/
    )
    assert.equal(Number(/Gave up after (\d)/.exec(error)?.[1]), proxy.requests.length)
    // The process ended by itself (assertFailure checks exit code 1; runStep kills it after 30 s with none).
    const ms = tookMs(error.slice(error.indexOf('Gave up after')))
    assert.ok(ms < 2000 + LATE_TIMER_MS, `took ${ms} ms for a 2 s timeout`)
  })

  test('an HTML page with 200 fails clearly, quoting the page but not the secret it shows', async () => {
    const { result } = await run([fault.html200(`Sign in to continue. You sent ${SECRET}`)])
    assert.equal(proxy.requests.length, 1)
    assertFailure(
      result,
      /failed: HTTP 200, the answer is not a JSON token response \(text\/html: "Sign in to continue\. You sent \*\*\*"\): check that auth-url is the token endpoint/
    )
  })

  test('a body over 1 MiB is cut off and fails, not retried', async () => {
    const { result } = await run([fault.oversized()])
    assert.equal(proxy.requests.length, 1)
    assertFailure(
      result,
      /failed: the answer is larger than 1 MiB, which no token response is: check that auth-url is the token endpoint\.$/
    )
  })

  test('a redirect is not followed with the credentials', async () => {
    const before = server.tokenRequests().length
    const { result } = await run([fault.redirect(server.tokenEndpoint)])
    assert.equal(proxy.requests.length, 1)
    assert.equal(server.tokenRequests().length, before, 'the redirect was followed')
    assertFailure(
      result,
      new RegExp(
        `failed: HTTP 302, a redirect to ${server.tokenEndpoint}, which is not followed with credentials: set auth-url to the final token endpoint URL\\.$`
      )
    )
  })
})

describe('debug logging (ACTIONS_STEP_DEBUG)', () => {
  const DEBUG = { RUNNER_DEBUG: '1', ACTIONS_STEP_DEBUG: 'true' }
  const debugLines = (result: StepResult): string[] =>
    result.stdout
      .split('\n')
      .filter(l => l.startsWith('::debug::'))
      .map(l => l.slice('::debug::'.length))

  test('logs method, endpoint, status and timing of every attempt, and still no secret', async () => {
    const { result } = await run([fault.reset(), fault.unavailable()], {}, DEBUG)
    await assertToken(result)
    const endpoint = `${proxy.url}/token`
    const lines = debugLines(result).map(l =>
      l.replace(/\b\d+ ms\b|\b[\d.]+ s\b/g, 'T').replace(/\d+ bytes/, 'N bytes')
    )
    assert.deepEqual(
      lines.filter(l => l.startsWith('POST ')),
      [
        `POST ${endpoint}: no answer (ECONNRESET) after T`,
        `POST ${endpoint}: HTTP 503, text/html, N bytes, in T`,
        `POST ${endpoint}: HTTP 200, application/json, N bytes, in T`
      ]
    )
    assert.ok(lines.includes('Token request: attempt 3 succeeded in T'), lines.join('\n'))
    assert.ok(lines.includes('The access token is opaque (not a JWT).'))
    // Never a header or a body: no form field, no Authorization, no JSON.
    assert.doesNotMatch(debugLines(result).join('\n'), /client_secret|authorization|grant_type|access_token|[{}]/i)
  })

  test('without it, none of those lines', async () => {
    const { result } = await run([])
    await assertToken(result)
    assert.deepEqual(
      debugLines(result).filter(l => l.startsWith('POST ')),
      []
    )
  })
})
