/**
 * The retry loop with a simulated clock (no real waiting): how many attempts, how long each may take, what
 * is logged, when it gives up; and how network errors are classified.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { networkFailure, safeHost, withAttempts, type AttemptResult, type Attempts } from '../../../src/net/attempts.ts'
import { EndpointError, type AttemptFailure } from '../../../src/common/errors.ts'
import { BASE_DELAY_MS, MAX_DELAY_MS } from '../../../src/net/retry.ts'
import { TransportError } from '../../../src/net/transport.ts'

const URL_ = 'https://kc.example.com/realms/BinarlyRealm/protocol/openid-connect/token'

interface Simulated extends Attempts {
  lines: string[]
  debug: string[]
  slept: number[]
  /** Lets a fake attempt take time. */
  advance(ms: number): void
}

/** A clock whose time moves only when the loop sleeps or an attempt "takes" time. */
function simulated(totalMs: number, retries = 3, random = 0.5): Simulated {
  let now = 1_000_000
  const lines: string[] = []
  const debug: string[] = []
  const slept: number[] = []
  return {
    policy: { retries, deadline: now + totalMs, baseDelayMs: BASE_DELAY_MS, maxDelayMs: MAX_DELAY_MS },
    totalMs,
    clock: {
      now: () => now,
      sleep: async ms => {
        slept.push(ms)
        now += ms
      },
      random: () => random
    },
    log: { info: line => lines.push(line), debug: line => debug.push(line) },
    lines,
    debug,
    slept,
    advance: ms => {
      now += ms
    }
  }
}

type Step = { takes: number; result: AttemptResult<string> } | { takes: number; throws: Error }

/** Runs withAttempts with scripted attempts; returns what each attempt was allowed, and the outcome. */
async function run(
  attempts: Simulated,
  steps: Step[]
): Promise<{ timeouts: number[]; outcome: string | EndpointError }> {
  const timeouts: number[] = []
  try {
    const value = await withAttempts(
      'Token request',
      URL_,
      attempts,
      async timeoutMs => {
        timeouts.push(timeoutMs)
        const step = steps[timeouts.length - 1]
        assert.ok(step, `attempt ${timeouts.length} was not expected`)
        attempts.advance(Math.min(step.takes, timeoutMs))
        if ('throws' in step) throw step.throws
        return step.result
      },
      (failure: AttemptFailure) =>
        `Token request failed: ${failure.status ? `HTTP ${failure.status}, ` : ''}${failure.detail}.`
    )
    return { timeouts, outcome: value }
  } catch (error) {
    if (!(error instanceof EndpointError)) throw error
    return { timeouts, outcome: error }
  }
}

const unavailable: AttemptResult<string> = { ok: false, failure: { status: 503, detail: 'text/html', transient: true } }
const ok: AttemptResult<string> = { ok: true, value: 'token' }
const hang = (): Step => ({ takes: Infinity, throws: new TransportError('no complete answer within 1 s', 'ETIMEDOUT') })

describe('withAttempts', () => {
  test('retries a 503 and returns the value, one info line per retry', async () => {
    const attempts = simulated(30_000)
    const { timeouts, outcome } = await run(attempts, [
      { takes: 50, result: unavailable },
      { takes: 50, result: unavailable },
      { takes: 50, result: ok }
    ])
    assert.equal(outcome, 'token')
    assert.equal(timeouts.length, 3)
    assert.deepEqual(attempts.slept, [250, 500])
    assert.deepEqual(attempts.lines, [
      'Token request: attempt 1 of 4 failed (HTTP 503); retrying in 250 ms',
      'Token request: attempt 2 of 4 failed (HTTP 503); retrying in 500 ms'
    ])
    assert.match(attempts.debug.at(-1) ?? '', /attempt 3 succeeded in 50 ms/)
  })

  test('a permanent failure ends after one attempt, without a tally', async () => {
    const attempts = simulated(30_000)
    const { timeouts, outcome } = await run(attempts, [
      {
        takes: 20,
        result: {
          ok: false,
          failure: { status: 401, error: 'invalid_client', detail: 'invalid_client', transient: false }
        }
      }
    ])
    assert.equal(timeouts.length, 1)
    assert.ok(outcome instanceof EndpointError)
    assert.equal(outcome.message, 'Token request failed: HTTP 401, invalid_client.')
    assert.equal(outcome.attempts, 1)
    assert.deepEqual(attempts.lines, [])
  })

  test('retries: 0 makes exactly one attempt, and says why it stopped', async () => {
    const { timeouts, outcome } = await run(simulated(30_000, 0), [{ takes: 10, result: unavailable }])
    assert.equal(timeouts.length, 1)
    assert.ok(outcome instanceof EndpointError)
    assert.equal(
      outcome.message,
      'Token request failed: HTTP 503, text/html. Gave up after 1 attempt in 10 ms: no retries left (the retries input is 0).'
    )
  })

  test('a server that hangs: each attempt gets a third of the budget, and the whole stays within timeout', async () => {
    const attempts = simulated(6_000, 10)
    const { timeouts, outcome } = await run(attempts, Array.from({ length: 10 }, hang))
    assert.ok(outcome instanceof EndpointError)
    assert.equal(timeouts[0], 2000)
    const spent = timeouts.reduce((a, b) => a + b, 0) + attempts.slept.reduce((a, b) => a + b, 0)
    assert.ok(spent <= 6_000, `spent ${spent} ms of a 6 s timeout`)
    assert.equal(outcome.attempts, timeouts.length)
    assert.match(
      outcome.message,
      new RegExp(
        `^Token request failed: network error talking to kc.example.com: no complete answer within 1 s \\(ETIMEDOUT\\)\\. Gave up after ${timeouts.length} attempts in [\\d.]+ s: the timeout input leaves no time for another attempt\\. kc\\.example\\.com did not answer in time: check the host and port in auth-url.*; a slow server needs a higher timeout input\\.$`
      )
    )
  })

  test('a Retry-After within the deadline is waited for; one beyond it ends the run at once', async () => {
    const wait = simulated(30_000)
    const waited = await run(wait, [
      { takes: 5, result: { ok: false, failure: { status: 429, detail: '', transient: true, retryAfterMs: 7000 } } },
      { takes: 5, result: ok }
    ])
    assert.equal(waited.outcome, 'token')
    assert.deepEqual(wait.slept, [7000])
    const tooLong = simulated(30_000)
    const gaveUp = await run(tooLong, [
      {
        takes: 5,
        result: { ok: false, failure: { status: 429, detail: 'empty body', transient: true, retryAfterMs: 60_000 } }
      }
    ])
    assert.ok(gaveUp.outcome instanceof EndpointError)
    assert.deepEqual(tooLong.slept, [])
    assert.match(
      gaveUp.outcome.message,
      /Gave up after 1 attempt in 5 ms: the server asked to wait 60 s \(Retry-After\), longer than the timeout input leaves\.$/
    )
  })

  test('an attempt that cannot start in time is not made', async () => {
    const attempts = simulated(30_000)
    attempts.policy.deadline = attempts.clock.now() + 100
    const { timeouts, outcome } = await run(attempts, [])
    assert.equal(timeouts.length, 0)
    assert.ok(outcome instanceof EndpointError)
    assert.match(
      outcome.message,
      /the timeout input \(30 s for the whole exchange\) ran out before this attempt could start/
    )
  })

  test('only network errors become failures; anything else (a bad input found late) is thrown as is', async () => {
    const bad = new Error('private-key: is not a PEM private key')
    await assert.rejects(run(simulated(30_000), [{ takes: 0, throws: bad }]), bad)
  })
})

describe('networkFailure', () => {
  const classify = (code: string, message = `${code} happened`): AttemptFailure =>
    networkFailure(new TransportError(message, code), URL_)

  test('an untrusted certificate names the host and ca-certificate, and is not retried', () => {
    for (const code of [
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'
    ]) {
      const failure = classify(code)
      assert.equal(failure.transient, false, code)
      assert.match(failure.detail, /certificate of kc\.example\.com is not signed by a CA this runner trusts/)
      assert.match(failure.detail, /ca-certificate input/)
    }
  })

  test('other TLS trouble says what failed, not to add a CA', () => {
    const failure = classify('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames")
    assert.equal(failure.transient, false)
    assert.match(
      failure.detail,
      /^TLS with kc\.example\.com failed \(ERR_TLS_CERT_ALTNAME_INVALID: Hostname\/IP does not match/
    )
    assert.doesNotMatch(failure.detail, /ca-certificate/)
    assert.equal(classify('CERT_HAS_EXPIRED').transient, false)
  })

  test('resets, refusals, timeouts and DNS failures are retried; unknown errors are not', () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'EPIPE']) {
      assert.equal(classify(code).transient, true, code)
    }
    assert.equal(classify('EUNKNOWN').transient, false)
    assert.equal(
      classify('ECONNRESET', 'socket hang up').detail,
      'network error talking to kc.example.com: socket hang up (ECONNRESET)'
    )
    assert.match(classify('ENOTFOUND').detail, /the host kc\.example\.com was not found \(ENOTFOUND\): check auth-url/)
  })

  test('refusals, resets, timeouts and unreachable hosts get a hint: host and port, the network, the proxy', () => {
    const refused = classify('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.7:443')
    assert.equal(refused.detail, 'network error talking to kc.example.com: connect ECONNREFUSED 10.0.0.7:443')
    assert.match(
      refused.hint ?? '',
      /^Nothing accepted the connection at kc\.example\.com: check the host and port in auth-url, that this runner's network can reach them \(firewalls, a self-hosted runner's outbound rules\), and /
    )
    for (const [code, start] of [
      ['ECONNRESET', 'The connection to kc.example.com was closed'],
      ['EPIPE', 'The connection to kc.example.com was closed'],
      ['ECONNABORTED', 'The connection to kc.example.com was closed'],
      ['ENETDOWN', 'kc.example.com cannot be reached from this runner'],
      ['EHOSTDOWN', 'kc.example.com cannot be reached from this runner'],
      ['ETIMEDOUT', 'kc.example.com did not answer in time'],
      ['EHOSTUNREACH', 'kc.example.com cannot be reached from this runner'],
      ['ENETUNREACH', 'kc.example.com cannot be reached from this runner'],
      ['EAI_AGAIN', 'The name of kc.example.com could not be looked up']
    ] as const) {
      assert.ok(classify(code).hint?.startsWith(start), code)
    }
    assert.equal(classify('ENOTFOUND').hint, undefined, 'its detail says it already')
    assert.equal(classify('EUNKNOWN').hint, undefined)
  })

  test('with a proxy in the environment, the hint names it; without, it asks whether one is needed', () => {
    const names = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'no_proxy', 'NO_PROXY']
    const saved = names.map(name => [name, process.env[name]] as const)
    const set = (values: Record<string, string>): void => {
      for (const name of names) Reflect.deleteProperty(process.env, name)
      Object.assign(process.env, values)
    }
    try {
      set({})
      assert.match(classify('ECONNREFUSED').hint ?? '', /whether this network needs a proxy \(HTTPS_PROXY\)\.$/)
      set({ HTTPS_PROXY: 'http://proxy.corp.example:3128' })
      assert.match(
        classify('ECONNREFUSED').hint ?? '',
        /and the proxy http:\/\/proxy\.corp\.example:3128 \(HTTPS_PROXY \/ HTTP_PROXY; NO_PROXY bypasses it\)\.$/
      )
    } finally {
      set({})
      for (const [name, value] of saved) if (value !== undefined) process.env[name] = value
    }
  })

  test('a body over the cap fails at once', () => {
    const failure = classify('EBODYTOOLARGE', 'the answer is larger than 1 MiB')
    assert.deepEqual(failure, {
      detail: 'the answer is larger than 1 MiB, which no token response is: check that auth-url is the token endpoint',
      transient: false
    })
  })

  test('a proxy that refuses the tunnel: 407 and 403 fail at once, 5xx and an unreachable proxy are retried', () => {
    const tunnel = (rest: string): AttemptFailure =>
      classify('ECONNRESET', `tunneling socket could not be established, ${rest}`)
    const auth = tunnel('statusCode=407')
    assert.equal(auth.transient, false)
    assert.match(
      auth.detail,
      /would not open a tunnel to kc\.example\.com: it asked for credentials \(HTTP 407\).*HTTPS_PROXY/
    )
    const denied = tunnel('statusCode=403')
    assert.equal(denied.transient, false)
    assert.match(
      denied.detail,
      /refused it \(HTTP 403\): check that the proxy allows kc\.example\.com, or exempt it with NO_PROXY/
    )
    assert.equal(tunnel('statusCode=502').transient, true)
    const down = tunnel('cause=connect ECONNREFUSED 127.0.0.1:3128')
    assert.equal(down.transient, true)
    assert.match(down.detail, /could not be reached \(connect ECONNREFUSED 127\.0\.0\.1:3128\): check HTTPS_PROXY/)
  })
})

test('safeHost: the host of a URL, or "the server" for text that is not one', () => {
  assert.equal(safeHost('https://kc.example.com:8443/realms/x'), 'kc.example.com:8443')
  assert.equal(safeHost('not a url'), 'the server')
})
