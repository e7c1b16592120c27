/**
 * Runs one HTTP exchange with retries: each attempt gets its own timeout inside the overall deadline,
 * transient failures are retried per the retry policy, and every retry is one log line.
 */
import { EndpointError, type AttemptFailure } from '../common/errors.js'
import { decideRetry, attemptTimeoutMs, MIN_ATTEMPT_MS, type Clock, type RetryPolicy } from './retry.js'
import { proxyFor } from './proxy.js'
import { printable } from '../common/server-text.js'
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

/** The server's certificate chain was not trusted (OpenSSL verify errors, as Node names them). */
const UNTRUSTED_CERT =
  /^(UNABLE_TO_|SELF_SIGNED_CERT|DEPTH_ZERO_SELF_SIGNED|CERT_UNTRUSTED|CERT_SIGNATURE_FAILURE|CERT_CHAIN_TOO_LONG|INVALID_CA)/
/** Any other TLS trouble: wrong host name, expired or revoked certificate, a handshake the two sides cannot agree on. */
const OTHER_TLS = /^(CERT_|ERR_TLS_|ERR_SSL_|EPROTO$|HOSTNAME_MISMATCH)/
/** `tunnel` (the proxy agent of http-client) reports a failed CONNECT as ECONNRESET, with the proxy's status or the cause. */
const TUNNEL_FAILED = /^tunneling socket could not be established, (?:statusCode=(\d{3})|cause=(.*))$/s

/** A network-level failure as an attempt failure, with what to do about it. */
export function networkFailure(error: TransportError, url: string): AttemptFailure {
  const host = safeHost(url)
  if (UNTRUSTED_CERT.test(error.code)) {
    return {
      detail: `TLS: the certificate of ${host} is not signed by a CA this runner trusts (${error.code}): if the server uses an internal or corporate CA, pass that CA's PEM certificate (the text, or a file path) as the ca-certificate input`,
      transient: false
    }
  }
  if (OTHER_TLS.test(error.code)) {
    return {
      detail: `TLS with ${host} failed (${error.code}: ${printable(error.message, 300)}): check the host name and port in auth-url, and the server's certificate`,
      transient: false
    }
  }
  if (error.code === 'EBODYTOOLARGE') {
    return {
      detail: `${error.message}, which no token response is: check that auth-url is the token endpoint`,
      transient: false
    }
  }
  if (error.code === 'ENOTFOUND') {
    return {
      detail: `the host ${host} was not found (ENOTFOUND): check auth-url, and the runner's DNS or proxy`,
      transient: true
    }
  }
  const tunnel = TUNNEL_FAILED.exec(error.message)
  if (tunnel) {
    const proxy = `the proxy ${proxyFor(url) ?? ''}`.trim()
    const [, status, cause] = tunnel
    if (cause !== undefined) {
      return {
        detail: `${proxy} could not be reached (${printable(cause, 200)}): check HTTPS_PROXY / HTTP_PROXY`,
        transient: true
      }
    }
    const why =
      status === '407'
        ? 'asked for credentials (HTTP 407): put the right ones in the proxy URL (http://user:password@host:port) of HTTPS_PROXY / HTTP_PROXY, or exempt this host with NO_PROXY'
        : `refused it (HTTP ${status}): check that the proxy allows ${host}, or exempt it with NO_PROXY`
    return { detail: `${proxy} would not open a tunnel to ${host}: it ${why}`, transient: Number(status) >= 500 }
  }
  const trouble = CONNECTION_TROUBLE[error.code]
  const proxy = proxyFor(url)
  return {
    detail: `network error talking to ${host}: ${printable(error.message, 300)}${error.code && !error.message.includes(error.code) ? ` (${error.code})` : ''}`,
    transient: TRANSIENT_CODES.has(error.code),
    ...(trouble
      ? {
          hint: `${trouble.replace('HOST', host)}: check the host and port in auth-url, that this runner's network can reach them (firewalls, a self-hosted runner's outbound rules), and ${proxy ? `the proxy ${proxy} (HTTPS_PROXY / HTTP_PROXY; NO_PROXY bypasses it)` : 'whether this network needs a proxy (HTTPS_PROXY)'}${error.code === 'ETIMEDOUT' ? '; a slow server needs a higher timeout input' : ''}.`
        }
      : {})
  }
}

/**
 * Connection failures that say nothing about the configuration by themselves: what happened, for the hint
 * (HOST stands for the host). Plain text, not functions, so that every entry is the same code path.
 */
const CONNECTION_TROUBLE: Partial<Record<string, string>> = {
  ECONNREFUSED: 'Nothing accepted the connection at HOST',
  ECONNRESET: 'The connection to HOST was closed before an answer came',
  EPIPE: 'The connection to HOST was closed before an answer came',
  ECONNABORTED: 'The connection to HOST was closed before an answer came',
  ETIMEDOUT: 'HOST did not answer in time',
  EHOSTUNREACH: 'HOST cannot be reached from this runner',
  ENETUNREACH: 'HOST cannot be reached from this runner',
  ENETDOWN: 'HOST cannot be reached from this runner',
  EHOSTDOWN: 'HOST cannot be reached from this runner',
  EAI_AGAIN: 'The name of HOST could not be looked up (a temporary DNS failure)'
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
  const firstStarted = clock.now()
  for (;;) {
    const started = clock.now()
    const timeoutMs = attemptTimeoutMs(attempts.totalMs, policy.deadline - started)
    let result: AttemptResult<T>
    if (timeoutMs < MIN_ATTEMPT_MS) {
      const detail = `the timeout input (${formatMs(attempts.totalMs)} for the whole exchange) ran out before this attempt could start`
      result = { ok: false, failure: { detail, transient: false } }
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
      const tally = failure.transient
        ? ` Gave up after ${count} attempt${count > 1 ? 's' : ''} in ${formatMs(clock.now() - firstStarted)}: ${decision.why}.`
        : ''
      const hint = failure.hint ? ` ${failure.hint}` : ''
      throw new EndpointError(`${describe(failure)}${tally}${hint}`, url, failure, count)
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
