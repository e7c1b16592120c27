/**
 * Retry policy: which failures are worth another attempt, how long to wait (exponential backoff with full
 * jitter, or the server's Retry-After), and how long each attempt may take within the overall deadline.
 * Pure: the clock, sleep and randomness are passed in.
 */

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number
  /** Deadline for the whole exchange, in ms since the epoch (as `clock.now()` counts). */
  deadline: number
  baseDelayMs: number
  maxDelayMs: number
  /** Where the retry limit comes from, for the message when it is reached (default: the retries input). */
  retriesSource?: string
}

export interface Clock {
  now(): number
  sleep(ms: number): Promise<void>
  /** A number in [0, 1). */
  random(): number
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: ms => new Promise(resolve => setTimeout(resolve, ms)),
  random: () => Math.random()
}

export const BASE_DELAY_MS = 500
export const MAX_DELAY_MS = 10_000
/** No attempt is started with less time than this left: it could not finish anyway. */
export const MIN_ATTEMPT_MS = 250

/** Full jitter (AWS architecture blog): a uniform wait in [0, min(cap, base·2^n)). */
export function backoffMs(
  retry: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: number
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry)
  return Math.floor(random * ceiling)
}

/**
 * Time one attempt may take: a third of the whole budget (at least a second), so that a hanging server
 * leaves room for retries, and never past the deadline.
 */
export function attemptTimeoutMs(totalMs: number, remainingMs: number): number {
  return Math.max(0, Math.min(remainingMs, Math.max(1000, Math.ceil(totalMs / 3))))
}

/**
 * Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Returns ms to wait, or undefined when absent
 * or unreadable (then the backoff applies).
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value
  if (raw === undefined) return undefined
  const text = raw.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  // An HTTP-date names its month and weekday; Date.parse alone would take "1.5" or "-3" for dates.
  if (!/[a-z]{3}/i.test(text)) return undefined
  const date = Date.parse(text)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

export type RetryDecision = { retry: true; waitMs: number } | { retry: false; why: string }

/**
 * After a failed attempt (`retry` is how many retries were made before it): try again, and after how long?
 */
export function decideRetry(
  failure: { transient: boolean; retryAfterMs?: number },
  retry: number,
  policy: RetryPolicy,
  now: number,
  random: number
): RetryDecision {
  if (!failure.transient) return { retry: false, why: 'not retryable' }
  if (retry >= policy.retries)
    return {
      retry: false,
      why: `no retries left (${policy.retriesSource ?? `the retries input is ${policy.retries}`})`
    }
  const remaining = policy.deadline - now
  const waitMs = failure.retryAfterMs ?? backoffMs(retry, policy, random)
  if (remaining - waitMs < MIN_ATTEMPT_MS) {
    return {
      retry: false,
      why:
        failure.retryAfterMs !== undefined
          ? `the server asked to wait ${Math.ceil(failure.retryAfterMs / 1000)} s (Retry-After), longer than the timeout input leaves`
          : 'the timeout input leaves no time for another attempt'
    }
  }
  return { retry: true, waitMs }
}
