/**
 * A request through the forward proxy the environment names: `@actions/http-client` opens the CONNECT
 * tunnel (or plain proxying) exactly as every toolkit action does. Loaded by transport.ts only when a
 * proxy applies to the URL, since the package brings undici and the tunnel agent with it.
 */
import { HttpClient } from '@actions/http-client'
import type { RequestHandler } from '@actions/http-client/lib/interfaces'
import { createReadStream } from 'node:fs'
import type { RequestOptions, request as httpRequest } from 'node:http'
import { USER_AGENT, type HttpRequest, type OpenResponse } from './http.js'

export async function sendThroughProxy(request: HttpRequest, signal: AbortSignal): Promise<OpenResponse> {
  const client = new HttpClient(USER_AGENT, [abortOn(signal)], {
    allowRedirects: false,
    allowRetries: false,
    keepAlive: false,
    socketTimeout: request.timeoutMs
  })
  try {
    // Behind a proxy, http-client takes a stream: a read stream of the file (file-body.ts is the direct path's).
    const body = request.file ? createReadStream(request.file.path) : (request.body ?? null)
    const headers = request.file ? { ...request.headers, 'content-length': String(request.file.size) } : request.headers
    const response = await client.request(request.method, request.url, body, headers)
    return { message: response.message, dispose: () => client.dispose() }
  } catch (error) {
    client.dispose()
    throw error
  }
}

/** Puts the abort signal on the request http-client builds (its only hook into the request options). */
export function abortOn(signal: AbortSignal): RequestHandler {
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
