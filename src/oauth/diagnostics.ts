/**
 * What a person debugging a run may see (with ACTIONS_STEP_DEBUG): each request's method, URL, status and
 * timing, and the non-secret claims of a JWT access token. Never a header, a body or a credential.
 */
import { jwtPayload } from './github-oidc.js'
import type { Clock } from '../net/retry.js'
import { contentType } from './token-response.js'
import { formatMs, TransportError } from '../net/transport.js'
import { type Transport } from '../net/http.js'

const SAFE_CLAIMS = ['iss', 'azp', 'client_id', 'aud', 'typ', 'scope', 'iat', 'exp'] as const

/** The token is decoded, never verified, and no other claim (subject, names, e-mail) is shown. */
export function safeJwtClaims(token: string): Record<string, unknown> | undefined {
  const payload = jwtPayload(token)
  if (!payload) return undefined
  const claims: Record<string, unknown> = {}
  for (const name of SAFE_CLAIMS) {
    const value = payload[name]
    if (typeof value === 'string' || typeof value === 'number') claims[name] = value
    else if (Array.isArray(value) && value.every(v => typeof v === 'string')) claims[name] = value
  }
  return claims
}

/** The transport, with one debug line per request: method, URL, then status, type, size and time, or the error code. */
export function debugTransport(
  transport: Transport,
  clock: Pick<Clock, 'now'>,
  debug: (message: string) => void
): Transport {
  return async request => {
    const started = clock.now()
    const what = `${request.method} ${request.url}`
    try {
      const response = await transport(request)
      const size = Buffer.byteLength(response.body)
      debug(
        `${what}: HTTP ${response.status}, ${contentType(response)}, ${size} bytes, in ${formatMs(clock.now() - started)}`
      )
      return response
    } catch (error) {
      const code = error instanceof TransportError ? error.code : 'an unexpected error'
      debug(`${what}: no answer (${code}) after ${formatMs(clock.now() - started)}`)
      throw error
    }
  }
}
