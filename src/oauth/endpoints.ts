/**
 * Where to send the token request (and, later, the revocation): the Auth URL itself when it is a token
 * endpoint, else what OpenID discovery (`<url>/.well-known/openid-configuration`) says.
 */
import { withAttempts, type Attempts, type AttemptResult } from '../net/attempts.js'
import { InputError, sentence } from '../common/errors.js'
import { printable } from '../common/server-text.js'
import { errorFailure } from './token-response.js'
import type { Transport } from '../net/http.js'

export interface Endpoints {
  tokenEndpoint: string
  /** RFC 7009 endpoint, when discovery named it or the token endpoint is Keycloak's. */
  revocationEndpoint: string | undefined
  /** The issuer (Keycloak: the realm URL), when known. */
  issuer: string | undefined
  /** Where the endpoints came from, for the log. */
  discoveredFrom: string | undefined
}

const KEYCLOAK_TOKEN_PATH = '/protocol/openid-connect/token'
const WELL_KNOWN = '/.well-known/openid-configuration'

/** An Auth URL whose path ends in `/token` is taken as the token endpoint itself. */
export function isTokenEndpoint(url: URL): boolean {
  return /\/token\/?$/.test(url.pathname)
}

/** Endpoints known from the URL alone (no request), or undefined when discovery is needed. */
export function endpointsFromUrl(url: URL): Endpoints | undefined {
  if (!isTokenEndpoint(url)) return undefined
  const href = url.href
  const keycloak = url.pathname.replace(/\/$/, '').endsWith(KEYCLOAK_TOKEN_PATH) && !url.search
  const issuer = keycloak ? href.replace(/\/?$/, '').slice(0, -KEYCLOAK_TOKEN_PATH.length) : undefined
  return {
    tokenEndpoint: href,
    revocationEndpoint: keycloak ? href.replace(/\/token\/?$/, '/revoke') : undefined,
    issuer,
    discoveredFrom: undefined
  }
}

export function discoveryUrl(url: URL): string {
  if (url.pathname.endsWith(WELL_KNOWN)) return url.href
  const base = new URL(url.href)
  base.pathname = `${base.pathname.replace(/\/+$/, '')}${WELL_KNOWN}`
  return base.href
}

/**
 * The issuer discovery starts from: auth-url without the well-known suffix and trailing slashes. It is also
 * the default GitHub OIDC audience, so that a discovery document never chooses it.
 */
export function issuerOf(url: URL): string {
  const href = url.href.endsWith(WELL_KNOWN) ? url.href.slice(0, -WELL_KNOWN.length) : url.href
  return href.replace(/\/+$/, '')
}

/**
 * Reads a discovery document; pure. The document must name the issuer discovery started from (OpenID
 * Connect Discovery 1.0 §4.3), and endpoints on the origin of auth-url: credentials go nowhere else (and
 * the http:// policy, applied to auth-url, holds for them too).
 */
export function parseDiscovery(body: string, authUrl: URL, documentUrl: string): Endpoints {
  let doc: unknown
  try {
    doc = JSON.parse(body)
  } catch {
    doc = undefined
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new InputError(
      'auth-url',
      `${documentUrl} did not return an OpenID configuration (not a JSON object): set auth-url to the token endpoint (…/protocol/openid-connect/token) or the realm URL (…/realms/BinarlyRealm).`
    )
  }
  const record = doc as Record<string, unknown>
  const issuer = issuerOf(authUrl)
  const stated = typeof record.issuer === 'string' ? record.issuer : undefined
  if (stated?.replace(/\/+$/, '') !== issuer) {
    throw new InputError(
      'auth-url',
      `the OpenID configuration at ${documentUrl} states ${stated === undefined ? 'no issuer' : `issuer "${printable(stated, 200)}"`}, not the URL discovery started from (${issuer}), as OpenID Connect Discovery 1.0 §4.3 requires: set auth-url to the realm URL under the host name the server states (Keycloak: its hostname setting), or to the token endpoint itself (…/protocol/openid-connect/token).`
    )
  }
  const tokenEndpoint = httpUrl(record.token_endpoint)
  if (!tokenEndpoint) {
    throw new InputError(
      'auth-url',
      `the OpenID configuration at ${documentUrl} names no valid token_endpoint: set auth-url to the token endpoint itself.`
    )
  }
  const revocationEndpoint = httpUrl(record.revocation_endpoint)
  for (const [field, url] of [
    ['token_endpoint', tokenEndpoint],
    ['revocation_endpoint', revocationEndpoint]
  ] as const) {
    if (url && new URL(url).origin !== authUrl.origin) {
      throw new InputError(
        'auth-url',
        `the OpenID configuration at ${documentUrl} names the ${field} ${printable(url, 200)}, which is not on the origin of auth-url (${authUrl.origin}), and credentials are sent only there: if that server is yours, set auth-url to the token endpoint itself.`
      )
    }
  }
  return { tokenEndpoint, revocationEndpoint, issuer, discoveredFrom: documentUrl }
}

/**
 * An http(s) URL, without its fragment: an endpoint has none (RFC 6749 §3.1, §3.2), none is ever sent, and
 * a fragment is the only part of a URL that can hold `##[`, which the runner reads as a command in a log line.
 */
function httpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  try {
    const url = new URL(value)
    url.hash = ''
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined
  } catch {
    return undefined
  }
}

export async function resolveEndpoints(authUrl: URL, transport: Transport, attempts: Attempts): Promise<Endpoints> {
  const known = endpointsFromUrl(authUrl)
  if (known) return known
  const documentUrl = discoveryUrl(authUrl)
  const body = await withAttempts(
    'OpenID discovery',
    documentUrl,
    attempts,
    async (timeoutMs): Promise<AttemptResult<string>> => {
      const response = await transport({
        method: 'GET',
        url: documentUrl,
        headers: { accept: 'application/json' },
        timeoutMs
      })
      if (response.status === 200) return { ok: true, value: response.body }
      return { ok: false, failure: errorFailure(response, attempts.clock.now()) }
    },
    failure => {
      const hint =
        failure.status === 404 || (failure.error && /realm/i.test(failure.error))
          ? ` ${legacyAuthPathHint(authUrl) ?? 'auth-url is neither a token endpoint nor an issuer with OpenID discovery: use …/realms/BinarlyRealm/protocol/openid-connect/token, or the realm URL …/realms/BinarlyRealm (the realm name is case-sensitive).'}`
          : ''
      return `OpenID discovery at ${documentUrl} failed: ${failure.status ? `HTTP ${failure.status}, ` : ''}${sentence(failure.detail)}${hint}`
    }
  )
  return parseDiscovery(body, authUrl, documentUrl)
}

/**
 * Keycloak serves realms at /realms/… since version 17, no longer under /auth/realms/…, which older guides
 * show; it answers that old path with HTTP 404 "Unable to find matching target resource method". For a URL
 * with /auth before /realms: what to change. Pure.
 */
export function legacyAuthPathHint(url: string | URL): string | undefined {
  if (!/\/auth\/realms\//.test(new URL(url).pathname)) return undefined
  return 'auth-url has /auth before /realms, the path of Keycloak before version 17: remove /auth, so that it is …/realms/BinarlyRealm/protocol/openid-connect/token (or the realm URL …/realms/BinarlyRealm).'
}
