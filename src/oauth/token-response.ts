/**
 * Reading what the token endpoint answered (RFC 6749 §5.1, §5.2). Pure: a response in, a token or a
 * safe-to-print failure out. Never returns (or quotes) a body that might hold a credential: server text is
 * printed only as a short excerpt, with every known secret redacted first (see `printable`).
 */
import type { AttemptFailure } from '../common/errors.js'
import type { HttpResponse } from '../net/http.js'
import { parseRetryAfter } from '../net/retry.js'
import { printable, redact } from '../common/server-text.js'

export interface TokenResponse {
  accessToken: string
  tokenType: string
  /** Seconds, as the server sent it. */
  expiresIn: number | undefined
  scope: string | undefined
  /** Other credentials some servers add (Keycloak: `id_token` for scope=openid, sometimes `refresh_token`). */
  extraSecrets: string[]
}

/** Longer than any real token lives ("never expires" is often sent as 2^31-1), and short of what a Date holds. */
// The post bundle does not use it, and webpack leaves it there as `null && (…)`: a branch no run can take.
/* c8 ignore next */
export const MAX_EXPIRES_IN_SECONDS = 100 * 365 * 24 * 3600

export type ParsedTokenResponse = { ok: true; token: TokenResponse } | { ok: false; failure: AttemptFailure }

/**
 * `secrets`: what the action knows to be secret (client secret, assertion, …); none of it is ever quoted
 * back from the server's text.
 */
export function parseTokenResponse(
  response: HttpResponse,
  now: number,
  secrets: readonly string[] = []
): ParsedTokenResponse {
  if (response.status < 200 || response.status > 299) {
    return { ok: false, failure: errorFailure(response, now, secrets) }
  }
  const json = parseJsonObject(response.body)
  if (!json) {
    return {
      ok: false,
      failure: {
        status: response.status,
        detail: `the answer is not a JSON token response (${describeBody(response, secrets)}): check that auth-url is the token endpoint, and that no proxy or login page answers instead`,
        transient: false
      }
    }
  }
  const fail = (detail: string): ParsedTokenResponse => ({
    ok: false,
    failure: { status: response.status, detail, transient: false }
  })
  const extraSecrets = ['id_token', 'refresh_token'].flatMap(k => {
    const v = json[k]
    return typeof v === 'string' && v ? [v] : []
  })
  const accessToken = json.access_token
  if (typeof accessToken !== 'string' || accessToken.trim() === '') {
    return fail(
      accessToken === undefined
        ? 'the JSON answer has no access_token'
        : 'the access_token in the answer is not a non-empty string'
    )
  }
  if (/[\s\u0000-\u001f\u007f]/.test(accessToken)) {
    return fail('the access_token contains whitespace or control characters')
  }
  const tokenType = json.token_type === undefined ? 'Bearer' : json.token_type
  if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') {
    return fail(
      `the token_type is "${printable(typeof tokenType === 'string' ? tokenType : JSON.stringify(tokenType), 40, secrets)}", not Bearer: this action only hands out Bearer tokens (is DPoP or mTLS binding enabled for this client?)`
    )
  }
  let expiresIn: number | undefined
  if (json.expires_in !== undefined) {
    const value =
      typeof json.expires_in === 'string' && /^\d+$/.test(json.expires_in) ? Number(json.expires_in) : json.expires_in
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_EXPIRES_IN_SECONDS) {
      return fail('the expires_in in the answer is not a plausible number of seconds (0 to 100 years)')
    }
    expiresIn = Math.floor(value)
  }
  const scope = typeof json.scope === 'string' && json.scope.trim() ? json.scope.trim() : undefined
  return {
    ok: true,
    token: { accessToken, tokenType: tokenType === 'bearer' ? 'Bearer' : tokenType, expiresIn, scope, extraSecrets }
  }
}

/** A non-2xx answer: the OAuth error when there is one, else the status and a short, secret-free excerpt. */
export function errorFailure(response: HttpResponse, now: number, secrets: readonly string[] = []): AttemptFailure {
  const status = response.status
  const transient = status === 429 || status >= 500 || status === 408
  const retryAfterMs = transient ? parseRetryAfter(response.headers['retry-after'], now) : undefined
  const json = parseJsonObject(response.body)
  const base = { status, transient, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }
  // An empty or blank `error` is no OAuth error: the body is described instead.
  const error = json && typeof json.error === 'string' ? printable(json.error, 80, secrets) : ''
  if (json && error) {
    const description =
      typeof json.error_description === 'string' ? printable(json.error_description, 300, secrets) : undefined
    return {
      ...base,
      error,
      ...(description ? { errorDescription: description } : {}),
      detail: description ? `${error}: ${description}` : error
    }
  }
  if (status >= 300 && status < 400) {
    const location = response.headers.location
    return {
      ...base,
      detail: `a redirect${typeof location === 'string' ? ` to ${safeLocation(location, secrets)}` : ''}, which is not followed with credentials: set auth-url to the final token endpoint URL`
    }
  }
  return { ...base, detail: describeBody(response, secrets) }
}

function parseJsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body)
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/**
 * What kind of body it was, with at most a short excerpt of visible text: a JSON body by its decoded values
 * (so no escape form can carry a secret past redaction), any other with HTML tags removed and whitespace
 * collapsed.
 */
export function describeBody(response: HttpResponse, secrets: readonly string[] = []): string {
  const type = contentType(response, secrets)
  const decoded = decodedJson(response.body)
  // Redacted before the tags go: removing a tag from inside a secret would leave its pieces unrecognised.
  const visible =
    decoded ??
    redact(response.body, secrets)
      .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
  const text = printable(visible, 120, secrets)
  if (!text) return `${response.body.trim() ? 'no readable text' : 'empty body'}, ${type}`
  return `${type}: "${text}"`
}

/** A JSON body written again with the shortest escapes, or undefined when the body is not JSON. */
function decodedJson(body: string): string | undefined {
  try {
    return JSON.stringify(JSON.parse(body))
  } catch {
    return undefined
  }
}

/** The media type of an answer ("application/json"), printable. */
export function contentType(response: HttpResponse, secrets: readonly string[] = []): string {
  const value = response.headers['content-type']
  return printable((typeof value === 'string' ? value : '').split(';')[0] ?? '', 60, secrets) || 'no content type'
}

function safeLocation(location: string, secrets: readonly string[]): string {
  try {
    const url = new URL(location)
    return printable(`${url.origin}${url.pathname}`, 200, secrets)
  } catch {
    return 'an unreadable location'
  }
}
