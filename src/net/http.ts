/**
 * What one HTTP request and its answer are, for every layer above (a `Transport` is the one function that
 * sends them): types and the user agent only, apart from transport.ts so that the direct path (transport.ts)
 * and the proxy path (proxy-transport.ts, loaded only behind a proxy) share them without importing each other.
 */
import type { IncomingMessage } from 'node:http'

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT'
  url: string
  headers: Record<string, string>
  body?: string
  /**
   * A body sent from a file instead of `body` (the scan step's upload): read anew for each attempt, sent with
   * its length, never held in memory (file-body.ts).
   */
  file?: { path: string; size: number }
  /** Hard limit for this attempt: connect, send, headers and body. */
  timeoutMs: number
}

export interface HttpResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

export type Transport = (request: HttpRequest) => Promise<HttpResponse>

export const USER_AGENT = 'binarly-m2m-auth'

/** A response whose body is still to be read, and how to let go of the connection afterwards. */
export interface OpenResponse {
  message: IncomingMessage
  dispose(): void
}
