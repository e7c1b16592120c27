/**
 * A request through the forward proxy the environment names: `@actions/http-client` opens the CONNECT
 * tunnel (or plain proxying) exactly as every toolkit action does. Loaded by transport.ts only when a
 * proxy applies to the URL, since the package brings undici and the tunnel agent with it.
 */
import { HttpClient } from '@actions/http-client'
import type { RequestHandler } from '@actions/http-client/lib/interfaces'
import { USER_AGENT, type HttpRequest, type OpenResponse } from './transport.js'

export async function sendThroughProxy(request: HttpRequest, signal: AbortSignal): Promise<OpenResponse> {
  const client = new HttpClient(USER_AGENT, [abortOn(signal)], {
    allowRedirects: false,
    allowRetries: false,
    keepAlive: false,
    socketTimeout: request.timeoutMs
  })
  try {
    const response = await client.request(request.method, request.url, request.body ?? null, request.headers)
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
    },
    canHandleAuthentication: () => false,
    handleAuthentication: () => Promise.reject(new Error('not an authentication handler'))
  }
}
