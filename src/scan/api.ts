/**
 * Calls of Binarly's API (only what its docs give: ../shared/BINARLY-API.md) through the action's network
 * layer (net/: proxy and NO_PROXY, ca-certificate, a deadline on every request, retries with jitter and
 * Retry-After). A fresh token from the agent for every call; a 401 gets one renewal and the call once more,
 * as Binarly's docs say.
 *
 * Which calls are retried: reads (get-product, get-scan, list-images, the findings grid, which is a POST
 * that changes nothing) on network failures, 429 and 5xx. Binarly documents no idempotency keys, so a call
 * that creates something (create-product, generateUploadUrl, images:upload) is repeated only when it
 * cannot have reached the server: the connection was never made (refused, no such host), or a 429 or 401
 * turned it away before any work. The PUT of the bytes to the pre-signed URL is idempotent (the same
 * object, overwritten) and retried like a read, with a new upload URL if a retried PUT finds the old one
 * expired (step.ts).
 */
import { randomBytes } from 'node:crypto'
import { sentence, type AttemptFailure } from '../common/errors.js'
import { printable } from '../common/server-text.js'
import { networkFailure, withAttempts, type AttemptLog, type AttemptResult } from '../net/attempts.js'
import type { HttpResponse, Transport } from '../net/http.js'
import { BASE_DELAY_MS, MAX_DELAY_MS, parseRetryAfter, type Clock } from '../net/retry.js'
import { TransportError } from '../net/transport.js'
import { jsonObject } from './answers.js'
import type { TokenSource } from './tokens.js'

export interface ApiDeps {
  transport: Transport
  clock: Clock
  log: AttemptLog
  tokens: TokenSource
}

export interface ApiLimits {
  /** Each call, its retries included. */
  timeoutMs: number
  retries: number
}

/** Network error codes of a connection that was never made: nothing reached the server. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])

export interface Call {
  /** What the call does, for the log and errors ("Checking product …"). */
  what: string
  method: 'GET' | 'POST'
  /** The path below /api/v4, built from checked ids only. */
  path: string
  /** JSON body. */
  json?: unknown
  /** multipart/form-data fields (images:upload). */
  form?: Record<string, string>
  kind: 'read' | 'create'
  /** No attempt of this call runs past this (ms since the epoch): the scan-timeout. */
  deadline?: number
}

export class BinarlyClient {
  constructor(
    readonly base: URL,
    private readonly limits: ApiLimits,
    private readonly deps: ApiDeps
  ) {}

  /** One call; its JSON object answer, or an error naming the call, the status and what to do. */
  async call(call: Call): Promise<Record<string, unknown>> {
    const url = `${this.base.href.replace(/\/$/, '')}/api/v4${call.path}`
    const { tokens, log } = this.deps
    const first = await tokens.token()
    let response = await this.send(call, url, first)
    if (response.status === 401) {
      log.info(`${call.what}: HTTP 401, the token was refused; getting a new one and trying once more.`)
      response = await this.send(call, url, await tokens.renew(first))
      if (response.status === 401) {
        throw new Error(
          `${call.what}: HTTP 401 with a new token too: Binarly refuses this client. Check the client's service-account roles in Keycloak (realm BinarlyRealm), or ask Binarly support which permissions your M2M client has. The server said: ${said(response.body)}`
        )
      }
    }
    return jsonObject(response.body, call.what)
  }

  /** The call's attempts with one token: a 2xx or 401 answer, or an error once retries are spent. */
  private send(call: Call, url: string, token: string): Promise<HttpResponse> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' }
    let body: string | undefined
    if (call.json !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(call.json)
    }
    if (call.form) {
      const boundary = `binarly-m2m-auth-${randomBytes(12).toString('hex')}`
      headers['content-type'] = `multipart/form-data; boundary=${boundary}`
      body = multipart(boundary, call.form)
    }
    const budget = {
      totalMs: this.limits.timeoutMs,
      deadline: Math.min(this.deps.clock.now() + this.limits.timeoutMs, call.deadline ?? Infinity)
    }
    return this.attempts(call.what, url, call.kind, budget, timeoutMs =>
      this.deps.transport({ method: call.method, url, headers, ...(body === undefined ? {} : { body }), timeoutMs })
    )
  }

  /**
   * PUT of a file to the pre-signed upload URL: streamed from disk, with no Authorization header (the URL
   * carries its own signature). An image of several GB takes longer than an API call: the upload's budget is
   * what scan-timeout leaves (`deadline`), each attempt a third of it. `tally` counts its attempts.
   */
  async put(
    url: URL,
    file: { path: string; size: number },
    deadline: number,
    tally: { attempts: number }
  ): Promise<void> {
    const budget = { totalMs: deadline - this.deps.clock.now(), deadline }
    await this.attempts('Uploading the image', url.href, 'upload', budget, timeoutMs => {
      tally.attempts++
      return this.deps.transport({
        method: 'PUT',
        url: url.href,
        headers: { 'content-type': 'application/octet-stream' },
        file,
        timeoutMs
      })
    })
  }

  private attempts(
    what: string,
    url: string,
    kind: Call['kind'] | 'upload',
    budget: { totalMs: number; deadline: number },
    request: (timeoutMs: number) => Promise<HttpResponse>
  ): Promise<HttpResponse> {
    const { clock, log } = this.deps
    const policy = {
      retries: this.limits.retries,
      deadline: budget.deadline,
      baseDelayMs: BASE_DELAY_MS,
      maxDelayMs: MAX_DELAY_MS
    }
    const attempt = async (timeoutMs: number): Promise<AttemptResult<HttpResponse>> => {
      let response: HttpResponse
      try {
        response = await request(timeoutMs)
      } catch (error) {
        if (!(error instanceof TransportError)) throw error
        const failure = networkFailure(error, url)
        // net/ words its hints for the Auth URL; here the host is the API's (or the storage's).
        const words = (text: string | undefined): string | undefined => text?.replaceAll('auth-url', 'api-url')
        return {
          ok: false,
          failure: {
            ...failure,
            detail: failure.detail.replaceAll('auth-url', 'api-url'),
            hint: words(failure.hint),
            transient: failure.transient && (kind !== 'create' || NOT_SENT.has(error.code))
          }
        }
      }
      if ((response.status >= 200 && response.status < 300) || response.status === 401) {
        return { ok: true, value: response }
      }
      return { ok: false, failure: httpFailure(response, kind, clock.now()) }
    }
    return withAttempts(what, url, { policy, totalMs: budget.totalMs, clock, log }, attempt, failure =>
      sentence(`${what}: ${failure.detail}`)
    )
  }
}

/** What an HTTP error of Binarly's API means, for the message (the storage of an upload URL is not the API). */
const MEANING: Partial<Record<number, string>> = {
  403: 'the client lacks a permission for this call: check its service-account roles in Keycloak, or ask Binarly support',
  404: 'not found: check api-url and product-id',
  409: 'a conflict: for a new product, one with this name probably exists already; set product-id to its id instead of product-name'
}

/** An HTTP error as an attempt failure: what it means for this kind of call, and what the server said. */
export function httpFailure(response: HttpResponse, kind: Call['kind'] | 'upload', now: number): AttemptFailure {
  const { status } = response
  const retryAfterMs = parseRetryAfter(response.headers['retry-after'], now)
  const meaning = kind === 'upload' ? undefined : MEANING[status]
  return {
    status,
    detail: `HTTP ${status}${meaning ? `, ${meaning}` : ''}. The ${kind === 'upload' ? 'storage' : 'server'} said: ${said(response.body)}`,
    transient: status === 429 || (kind !== 'create' && status >= 500),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs })
  }
}

/** What the server said, for a failure message: its `message` ([3P-spec]; the docs give no error body), else the body. */
function said(body: string): string {
  let message: unknown
  try {
    message = (JSON.parse(body) as { message?: unknown } | null)?.message
  } catch {
    message = undefined
  }
  return printable(typeof message === 'string' ? message : body || '(nothing)', 300)
}

/** multipart/form-data (RFC 7578) of text fields, and `file` as an empty part (step.ts says why). */
export function multipart(boundary: string, fields: Record<string, string>): string {
  const parts = Object.entries(fields).map(([name, value]) =>
    name === 'file'
      ? `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${value.replace(/["\\\r\n]/g, '_')}"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n`
      : `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
  )
  return `${parts.join('')}--${boundary}--\r\n`
}
