/**
 * The only place that talks HTTP: one request, one response. It never follows redirects, caps the body,
 * and bounds the attempt by a hard deadline. Network failures come back as `TransportError` with the Node
 * error code. A request goes straight out through node:http(s) unless HTTPS_PROXY / HTTP_PROXY / NO_PROXY
 * (either case, as `@actions/http-client` reads them) send it through a proxy: only then does
 * `@actions/http-client`, with its CONNECT tunnel and undici, load (proxy-transport.ts).
 */
import { getProxyUrl } from '@actions/http-client/lib/proxy'
import type { IncomingMessage } from 'node:http'
import { describeError } from '../common/errors.js'
import { USER_AGENT, type HttpRequest, type HttpResponse, type OpenResponse, type Transport } from './http.js'

/** A response body larger than this is cut off and fails: no token response is anywhere near it. */
export const MAX_BODY_BYTES = 1024 * 1024

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
  // Aborting the request destroys its socket on every path, a proxy tunnel included: a hung server must
  // not keep the process alive after the deadline.
  const abort = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new TransportError(`no complete answer within ${formatMs(request.timeoutMs)}`, 'ETIMEDOUT'))
      abort.abort()
    }, request.timeoutMs)
  })
  let open: OpenResponse | undefined
  const exchange = (async (): Promise<HttpResponse> => {
    const url = new URL(request.url)
    // As http-client decides: a proxy whose URL names no host is no proxy.
    open = getProxyUrl(url)?.hostname
      ? await (await import('./proxy-transport.js')).sendThroughProxy(request, abort.signal)
      : await sendDirect(request, url, abort.signal)
    const body = await readCapped(open.message)
    /* c8 ignore next: a response from http.request always has a statusCode; the fallback is for the type checker */
    return { status: open.message.statusCode ?? 0, headers: open.message.headers, body }
  })()
  exchange.catch(() => undefined) // a late failure after the deadline fired is not an unhandled rejection
  try {
    return await Promise.race([exchange, deadline])
  } catch (error) {
    throw toTransportError(error)
  } finally {
    clearTimeout(timer)
    open?.dispose()
  }
}

/**
 * A request without a proxy, as `@actions/http-client` sends it (user agent, Content-Length, a connection
 * of its own that closes after the answer), with node:https loaded only for https:// URLs. No socket
 * timeout of its own: the attempt's deadline aborts it, silence or not.
 */
async function sendDirect(request: HttpRequest, url: URL, signal: AbortSignal): Promise<OpenResponse> {
  const { request: send } = url.protocol === 'https:' ? await import('node:https') : await import('node:http')
  const headers: Record<string, string | number> = { ...request.headers, 'user-agent': USER_AGENT }
  if (request.body !== undefined) headers['content-length'] = Buffer.byteLength(request.body, 'utf8')
  if (request.file) headers['content-length'] = request.file.size
  return new Promise((resolve, reject) => {
    const outgoing = send(url, { method: request.method, headers, agent: false, signal }, message =>
      resolve({ message, dispose: () => message.destroy() })
    )
    outgoing.on('error', reject)
    if (!request.file) return void outgoing.end(request.body)
    // A file of several GB is read a chunk at a time, never whole; a read that fails ends the request.
    const file = request.file
    void import('./file-body.js')
      .then(({ sendFile }) => sendFile(outgoing, file))
      .catch((error: unknown) => outgoing.destroy(error as Error))
  })
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
