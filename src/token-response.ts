/**
 * Reading what the token endpoint answered (RFC 6749 §5.1, §5.2). Pure: a response in, a token or a
 * safe-to-print failure out. Never returns (or quotes) a body that might hold a credential.
 */
import type { AttemptFailure } from './errors.js'
import type { HttpResponse } from './transport.js'
import { parseRetryAfter } from './retry.js'

export interface TokenResponse {
  accessToken: string
  tokenType: string
  /** Seconds, as the server sent it. */
  expiresIn: number | undefined
  scope: string | undefined
  /** Other credentials some servers add (Keycloak: `id_token` for scope=openid, sometimes `refresh_token`). */
  extraSecrets: string[]
}

export type ParsedTokenResponse = { ok: true; token: TokenResponse } | { ok: false; failure: AttemptFailure }

export function parseTokenResponse(response: HttpResponse, now: number): ParsedTokenResponse {
  if (response.status < 200 || response.status > 299) return { ok: false, failure: errorFailure(response, now) }
  const json = parseJsonObject(response.body)
  if (!json) {
    return {
      ok: false,
      failure: {
        status: response.status,
        detail: `the answer is not a JSON token response (${describeBody(response)}); is auth-url the token endpoint, and is no proxy or login page answering instead?`,
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
    return { ok: false, failure: { status: response.status, detail: 'the access_token contains whitespace or control characters', transient: false } }
  }
  const tokenType = json.token_type === undefined ? 'Bearer' : json.token_type
  if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') {
    return fail(
      `the token_type is ${JSON.stringify(String(tokenType)).slice(0, 40)}, not Bearer: this action only hands out Bearer tokens (is DPoP or mTLS binding enabled for this client?)`
    )
  }
  let expiresIn: number | undefined
  if (json.expires_in !== undefined) {
    const value = typeof json.expires_in === 'string' && /^\d+$/.test(json.expires_in) ? Number(json.expires_in) : json.expires_in
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      return fail('the expires_in in the answer is not a non-negative number of seconds')
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
export function errorFailure(response: HttpResponse, now: number): AttemptFailure {
  const status = response.status
  const transient = status === 429 || status >= 500 || status === 408
  const retryAfterMs = transient ? parseRetryAfter(response.headers['retry-after'], now) : undefined
  const json = parseJsonObject(response.body)
  const base = { status, transient, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }
  if (json && typeof json.error === 'string') {
    const error = printable(json.error, 80)
    const description = typeof json.error_description === 'string' ? printable(json.error_description, 300) : undefined
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
      detail: `a redirect${typeof location === 'string' ? ` to ${safeLocation(location)}` : ''}, which is not followed with credentials: set auth-url to the final token endpoint URL`
    }
  }
  return { ...base, detail: describeBody(response) }
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

/** What kind of body it was, with at most a short excerpt of visible text (HTML tags removed). */
export function describeBody(response: HttpResponse): string {
  const type = String(response.headers['content-type'] ?? 'no content type').split(';')[0]
  if (!response.body.trim()) return `empty body, ${type}`
  const text = printable(
    response.body
      .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<[^>]*>/g, ' '),
    120
  )
  return `${type}${text ? `: "${text}"` : ''}`
}

/** Collapses whitespace, drops control characters, and shortens. */
export function printable(text: string, max: number): string {
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim()
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean
}

function safeLocation(location: string): string {
  try {
    const url = new URL(location)
    return `${url.origin}${url.pathname}`
  } catch {
    return 'an unreadable location'
  }
}
