/**
 * The only place that talks HTTP: one request, one response, through `@actions/http-client` (which honours
 * HTTPS_PROXY / HTTP_PROXY / NO_PROXY). It never follows redirects, caps the body, and bounds the attempt
 * by a hard deadline. Network failures come back as `TransportError` with the Node error code.
 */
import { HttpClient } from '@actions/http-client'
import type { RequestHandler } from '@actions/http-client/lib/interfaces'
import type { IncomingMessage, RequestOptions, request as httpRequest } from 'node:http'
import { describeError } from './errors.js'

export interface HttpRequest {
  method: 'GET' | 'POST'
  url: string
  headers: Record<string, string>
  body?: string
  /** Hard limit for this attempt: connect, send, headers and body. */
  timeoutMs: number
}

export interface HttpResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

export type Transport = (request: HttpRequest) => Promise<HttpResponse>

/** A response body larger than this is cut off and fails: no token response is anywhere near it. */
export const MAX_BODY_BYTES = 1024 * 1024

export const USER_AGENT = 'binarly-m2m-auth'

export class TransportError extends Error {
  override name = 'TransportError'
  constructor(
    message: string,
    /** Node's error code (ECONNRESET, ENOTFOUND, CERT_HAS_EXPIRED, …) or our own (ETIMEDOUT, EBODYTOOLARGE). */
    readonly code: string
  ) {
    super(message)
  }
}

export const httpTransport: Transport = async request => {
  // Aborting the request destroys its socket on every path, a proxy tunnel included (client.dispose() only
  // reaches direct connections): a hung server must not keep the process alive after the deadline.
  const abort = new AbortController()
  const client = new HttpClient(USER_AGENT, [abortOn(abort.signal)], {
    allowRedirects: false,
    allowRetries: false,
    keepAlive: false,
    socketTimeout: request.timeoutMs
  })
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new TransportError(`no complete answer within ${formatMs(request.timeoutMs)}`, 'ETIMEDOUT'))
      abort.abort()
    }, request.timeoutMs)
  })
  const exchange = (async (): Promise<HttpResponse> => {
    const response = await client.request(request.method, request.url, request.body ?? null, request.headers)
    const body = await readCapped(response.message)
    /* c8 ignore next: a response from http.request always has a statusCode; the fallback is for the type checker */
    return { status: response.message.statusCode ?? 0, headers: response.message.headers, body }
  })()
  exchange.catch(() => undefined) // a late failure after the deadline fired is not an unhandled rejection
  try {
    return await Promise.race([exchange, deadline])
  } catch (error) {
    throw toTransportError(error)
  } finally {
    clearTimeout(timer)
    client.dispose()
  }
}

/** Puts the abort signal on the request http-client builds (its only hook into the request options). */
function abortOn(signal: AbortSignal): RequestHandler {
  return {
    prepareRequest: options => {
      options.signal = signal
      // Through a proxy, the tunnel agent first sends a CONNECT request of its own (with `agent.request`):
      // it gets the signal too, or a proxy that never answers CONNECT would keep the process alive.
      const agent = options.agent as { request?: unknown } | undefined
      const connect = agent?.request
      if (agent && typeof connect === 'function') {
        agent.request = (connectOptions: RequestOptions) =>
          (connect as typeof httpRequest)({ ...connectOptions, signal })
      }
    },
    canHandleAuthentication: () => false,
    handleAuthentication: () => Promise.reject(new Error('not an authentication handler'))
  }
}

function readCapped(message: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const tooLarge = (): void => {
      // Rejected before the destroy, whose 'aborted' would otherwise win as a (retryable) reset.
      reject(new TransportError(`the answer is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB`, 'EBODYTOOLARGE'))
      message.destroy()
    }
    if (Number(message.headers['content-length']) > MAX_BODY_BYTES) return tooLarge()
    const chunks: Buffer[] = []
    let size = 0
    message.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) return tooLarge()
      chunks.push(chunk)
    })
    message.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    message.on('error', error => reject(error))
    message.on('aborted', () => reject(new TransportError('the connection closed mid-response', 'ECONNRESET')))
  })
}

/** Any failure of a request as a TransportError with a code (exported for its unit test). */
export function toTransportError(error: unknown): TransportError {
  if (error instanceof TransportError) return error
  const raw = (error as { code?: unknown } | null)?.code
  const code = typeof raw === 'string' ? raw : 'EUNKNOWN'
  const message = describeError(error)
  // http-client reports its socket timeout as a plain Error("Request timeout: <path>").
  if (code === 'EUNKNOWN' && message.startsWith('Request timeout')) {
    return new TransportError('the server stopped answering (socket timeout)', 'ETIMEDOUT')
  }
  return new TransportError(message, code)
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms)} ms`
}
