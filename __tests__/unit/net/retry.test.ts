/** The retry policy, pure: backoff, jitter, Retry-After, each attempt's share of the deadline, the decision. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  attemptTimeoutMs,
  backoffMs,
  BASE_DELAY_MS,
  decideRetry,
  MAX_DELAY_MS,
  MIN_ATTEMPT_MS,
  parseRetryAfter,
  type RetryPolicy
} from '../../../src/net/retry.ts'

const NOW = Date.parse('2026-03-01T12:00:00Z')
const policy = (over: Partial<RetryPolicy> = {}): RetryPolicy => ({
  retries: 3,
  deadline: NOW + 30_000,
  baseDelayMs: BASE_DELAY_MS,
  maxDelayMs: MAX_DELAY_MS,
  ...over
})

describe('backoffMs: exponential with full jitter', () => {
  test('the ceiling doubles per retry from the base, up to the cap', () => {
    const p = { baseDelayMs: 500, maxDelayMs: 10_000 }
    // random just below 1 reaches the ceiling (minus rounding); 0 waits not at all.
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 10].map(retry => backoffMs(retry, p, 0.999_999)),
      [499, 999, 1999, 3999, 7999, 9999, 9999]
    )
    for (const retry of [0, 1, 5, 10]) assert.equal(backoffMs(retry, p, 0), 0)
  })

  test('the wait is uniform over [0, ceiling): the jitter spreads a matrix that failed together', () => {
    const p = { baseDelayMs: 500, maxDelayMs: 10_000 }
    assert.equal(backoffMs(2, p, 0.5), 1000)
    assert.equal(backoffMs(2, p, 0.25), 500)
    // 64 jobs retrying at once with different random draws wait 64 different times.
    const waits = new Set(Array.from({ length: 64 }, (_, i) => backoffMs(3, p, i / 64)))
    assert.equal(waits.size, 64)
    for (const wait of waits) assert.ok(wait >= 0 && wait < 4000)
  })
})

describe('parseRetryAfter', () => {
  test('delay-seconds', () => {
    assert.equal(parseRetryAfter('0', NOW), 0)
    assert.equal(parseRetryAfter('3', NOW), 3000)
    assert.equal(parseRetryAfter(' 120 ', NOW), 120_000)
    assert.equal(parseRetryAfter(['7', '9'], NOW), 7000, 'the first of repeated headers')
  })

  test('an HTTP-date: the time until then, never negative', () => {
    assert.equal(parseRetryAfter('Sun, 01 Mar 2026 12:00:05 GMT', NOW), 5000)
    assert.equal(parseRetryAfter(new Date(NOW + 90_000).toUTCString(), NOW), 90_000)
    assert.equal(parseRetryAfter('Sun, 01 Mar 2026 11:59:00 GMT', NOW), 0)
  })

  test('absent or unreadable: undefined, so the backoff applies', () => {
    for (const value of [undefined, [], '', 'soon', '1.5', '-3', '3 s', 'Mon, 99 Foo 2026']) {
      assert.equal(parseRetryAfter(value, NOW), undefined, JSON.stringify(value))
    }
  })
})

describe('attemptTimeoutMs: each attempt gets a share of the budget', () => {
  test('a third of the whole budget, so a hung attempt leaves room for retries', () => {
    assert.equal(attemptTimeoutMs(30_000, 30_000), 10_000)
    assert.equal(attemptTimeoutMs(9_000, 9_000), 3_000)
  })

  test('at least a second, but never past the deadline', () => {
    assert.equal(attemptTimeoutMs(2_000, 2_000), 1_000)
    assert.equal(attemptTimeoutMs(30_000, 4_000), 4_000)
    assert.equal(attemptTimeoutMs(30_000, 400), 400)
    assert.equal(attemptTimeoutMs(30_000, -50), 0)
  })
})

describe('decideRetry', () => {
  const transient = { transient: true }

  test('a permanent failure (wrong secret, invalid_scope, unknown realm) is never retried', () => {
    assert.deepEqual(decideRetry({ transient: false }, 0, policy(), NOW, 0.5), { retry: false, why: 'not retryable' })
    assert.deepEqual(decideRetry({ transient: false, retryAfterMs: 1000 }, 0, policy(), NOW, 0.5), {
      retry: false,
      why: 'not retryable'
    })
  })

  test('a transient failure is retried with the jittered backoff, until the retries are spent', () => {
    assert.deepEqual(decideRetry(transient, 0, policy(), NOW, 0.5), { retry: true, waitMs: 250 })
    assert.deepEqual(decideRetry(transient, 2, policy(), NOW, 0.5), { retry: true, waitMs: 1000 })
    assert.deepEqual(decideRetry(transient, 3, policy(), NOW, 0.5), {
      retry: false,
      why: 'no retries left (the retries input is 3)'
    })
    assert.deepEqual(decideRetry(transient, 0, policy({ retries: 0 }), NOW, 0.5), {
      retry: false,
      why: 'no retries left (the retries input is 0)'
    })
  })

  test("the server's Retry-After replaces the backoff, also when longer than the backoff cap", () => {
    assert.deepEqual(decideRetry({ transient: true, retryAfterMs: 2000 }, 0, policy(), NOW, 0.99), {
      retry: true,
      waitMs: 2000
    })
    assert.deepEqual(decideRetry({ transient: true, retryAfterMs: 15_000 }, 0, policy(), NOW, 0), {
      retry: true,
      waitMs: 15_000
    })
  })

  test('a Retry-After the deadline cannot hold fails at once, saying so', () => {
    const decision = decideRetry({ transient: true, retryAfterMs: 60_000 }, 0, policy(), NOW, 0)
    assert.deepEqual(decision, {
      retry: false,
      why: 'the server asked to wait 60 s (Retry-After), longer than the timeout input leaves'
    })
  })

  test('no retry when the wait would leave less than a minimal attempt before the deadline', () => {
    const deadline = NOW + 1000
    // random 0.5 at retry 1 waits 500 ms: 500 ms left is enough for an attempt…
    assert.deepEqual(decideRetry(transient, 1, policy({ deadline }), NOW, 0.5), { retry: true, waitMs: 500 })
    // …but at 300 ms later only 200 ms would be left.
    assert.deepEqual(decideRetry(transient, 1, policy({ deadline }), NOW + 300, 0.5), {
      retry: false,
      why: 'the timeout input leaves no time for another attempt'
    })
    assert.deepEqual(decideRetry(transient, 0, policy({ deadline }), deadline - MIN_ATTEMPT_MS, 0), {
      retry: true,
      waitMs: 0
    })
    assert.equal(decideRetry(transient, 0, policy({ deadline }), deadline - MIN_ATTEMPT_MS + 1, 0).retry, false)
  })
})
