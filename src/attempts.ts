/**
 * Runs one HTTP exchange with retries: each attempt gets its own timeout inside the overall deadline,
 * transient failures are retried per the retry policy, and every retry is one log line.
 */
import { EndpointError, type AttemptFailure } from './errors.js'
import { decideRetry, attemptTimeoutMs, MIN_ATTEMPT_MS, type Clock, type RetryPolicy } from './retry.js'
import { formatMs, TransportError } from './transport.js'

export type AttemptResult<T> = { ok: true; value: T } | { ok: false; failure: AttemptFailure }

export interface AttemptLog {
  info(message: string): void
  debug(message: string): void
}

export interface Attempts {
  policy: RetryPolicy
  /** The whole budget, to size each attempt's share of it. */
  totalMs: number
  clock: Clock
  log: AttemptLog
}

/** Node error codes worth another attempt: the network, not the configuration, failed. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN'
])

const TLS_CODE = /^(CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_TLS_|ERR_SSL_|HOSTNAME_MISMATCH)/

/** A network-level failure as an attempt failure, with what to do about TLS trouble. */
export function networkFailure(error: TransportError, url: string): AttemptFailure {
  const host = safeHost(url)
  if (TLS_CODE.test(error.code)) {
    return {
      detail: `TLS: the certificate of ${host} was not accepted (${error.code}: ${error.message}); if the server uses an internal or corporate CA, pass that CA's PEM as ca-certificate`,
      transient: false
    }
  }
  if (error.code === 'EBODYTOOLARGE') return { detail: error.message, transient: false }
  if (error.code === 'ENOTFOUND') {
    return { detail: `the host ${host} was not found (ENOTFOUND): check auth-url, and the runner's DNS or proxy`, transient: true }
  }
  return {
    detail: `network error talking to ${host}: ${error.message}${error.code && !error.message.includes(error.code) ? ` (${error.code})` : ''}`,
    transient: TRANSIENT_CODES.has(error.code)
  }
}

export async function withAttempts<T>(
  what: string,
  url: string,
  attempts: Attempts,
  attempt: (timeoutMs: number) => Promise<AttemptResult<T>>,
  describe: (failure: AttemptFailure) => string
): Promise<T> {
  const { policy, clock, log } = attempts
  let retry = 0
  for (;;) {
    const started = clock.now()
    const timeoutMs = attemptTimeoutMs(attempts.totalMs, policy.deadline - started)
    let result: AttemptResult<T>
    if (timeoutMs < MIN_ATTEMPT_MS) {
      result = { ok: false, failure: { detail: 'the timeout ran out before this attempt could start', transient: false } }
    } else {
      try {
        result = await attempt(timeoutMs)
      } catch (error) {
        if (!(error instanceof TransportError)) throw error
        result = { ok: false, failure: networkFailure(error, url) }
      }
    }
    const took = clock.now() - started
    if (result.ok) {
      log.debug(`${what}: attempt ${retry + 1} succeeded in ${formatMs(took)}`)
      return result.value
    }
    const failure = result.failure
    const decision = decideRetry(failure, retry, policy, clock.now(), clock.random())
    const reason = failure.status ? `HTTP ${failure.status}${failure.error ? ` ${failure.error}` : ''}` : failure.detail
    log.debug(`${what}: attempt ${retry + 1} failed after ${formatMs(took)}: ${reason}`)
    if (!decision.retry) {
      const count = retry + 1
      const tally = failure.transient ? ` (gave up after ${count} attempt${count > 1 ? 's' : ''}: ${decision.why})` : ''
      throw new EndpointError(`${describe(failure)}${tally}`, url, failure, count)
    }
    log.info(
      `${what}: attempt ${retry + 1} of ${policy.retries + 1} failed (${reason}); retrying in ${formatMs(decision.waitMs)}`
    )
    await clock.sleep(decision.waitMs)
    retry++
  }
}

export function safeHost(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return 'the server'
  }
}
