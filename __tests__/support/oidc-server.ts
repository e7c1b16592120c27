/**
 * A real OpenID provider (`oidc-provider`, certified) on loopback, for the fast suite. It issues opaque
 * access tokens by client credentials (so they can be introspected and revoked), and keeps a log of what
 * each request carried (which client authentication, which form fields: names only, never values).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Provider, { errors, type ClientAuthMethod, type ClientMetadata } from 'oidc-provider'

export interface RequestRecord {
  method: string
  path: string
  /** "basic", "bearer", … of the Authorization header, or undefined. */
  authorization: string | undefined
  /** Names of the form fields (values are not kept). */
  fields: string[]
  /** Values of the fields that are safe to keep (grant_type, scope, audience, resource, client_id, client_assertion_type). */
  values: Record<string, string | string[]>
  /** The decoded header and claims of a `client_assertion` (never the assertion itself). */
  assertion?: DecodedAssertion
  status: number
}

export interface DecodedAssertion {
  header: Record<string, unknown>
  claims: Record<string, unknown>
}

/** Decodes (without verifying) a compact JWS: what a test may check about an assertion without keeping it. */
export function decodeAssertion(jwt: string): DecodedAssertion | undefined {
  const [header, claims] = jwt.split('.').map(part => {
    try {
      return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>
    } catch {
      return undefined
    }
  })
  return header && claims ? { header, claims } : undefined
}

export interface OidcServer {
  issuer: string
  tokenEndpoint: string
  introspectionEndpoint: string
  revocationEndpoint: string
  requests: RequestRecord[]
  tokenRequests(): RequestRecord[]
  /**
   * The access tokens issued by client credentials, in order: for a test that sees the token only from the
   * outside (a `local-action` run, whose toolkit hides the output), to check that it is masked and revoked.
   */
  issuedTokens: string[]
  /**
   * Answers the next `count` token requests with 503 and Retry-After: 0, after the provider has handled them
   * (so a client assertion's jti is spent, and a retry that reused it would be refused).
   */
  failNextTokenRequests(count: number): void
  /** Introspects a token as the `introspector` client. */
  introspect(token: string): Promise<Record<string, unknown>>
  close(): Promise<void>
}

export const CLIENTS = {
  post: { id: 'ci-post', secret: 'post-secret-0123456789' },
  basic: { id: 'ci-basic', secret: 'basic-secret-0123456789' },
  /** Printable ASCII with every character RFC 6749 §2.3.1 encoding must survive. */
  special: { id: 'ci:special id', secret: 'p%a+s:s w&ord=/?#~!' },
  secretJwt: { id: 'ci-secret-jwt', secret: 'secret-jwt-secret-0123456789abcdef0123456789abcdef' },
  introspector: { id: 'introspector', secret: 'introspector-secret' }
} as const

const SAFE_FIELDS = new Set([
  'grant_type',
  'scope',
  'audience',
  'resource',
  'client_id',
  'client_assertion_type',
  'token_type_hint'
])

export interface OidcServerOptions {
  /** Extra clients (e.g. private_key_jwt clients with their JWKS). */
  clients?: ClientMetadata[]
  /** Access token lifetime in seconds (default 1800, as Binarly's realm). */
  ttl?: number
  /**
   * Resource servers (RFC 8707 resource indicators) the server knows: with any, a token request may name them
   * in `resource` and gets an opaque token for them; an unknown one is refused (invalid_target).
   */
  resources?: string[]
  /** The loopback port to listen on (default: any free port). */
  port?: number
}

export async function startOidcServer(options: OidcServerOptions = {}): Promise<OidcServer> {
  const server: Server = createServer()
  await new Promise<void>(resolve => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const issuer = `http://127.0.0.1:${port}`
  const secretClient = (c: { id: string; secret: string }, method: ClientAuthMethod): ClientMetadata => ({
    client_id: c.id,
    client_secret: c.secret,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: method
  })
  // oidc-provider warns on stderr that its in-memory store and keys are for development: so they are here.
  const warn = console.warn
  console.warn = () => undefined
  const provider = new Provider(issuer, {
    clients: [
      secretClient(CLIENTS.post, 'client_secret_post'),
      secretClient(CLIENTS.basic, 'client_secret_basic'),
      secretClient(CLIENTS.special, 'client_secret_post'),
      secretClient(CLIENTS.secretJwt, 'client_secret_jwt'),
      secretClient(CLIENTS.introspector, 'client_secret_basic'),
      ...(options.clients ?? [])
    ],
    clientBasedCORS: () => false,
    scopes: ['openid', 'scan:read', 'scan:write'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async () => true },
      revocation: { enabled: true, allowedPolicy: async () => true },
      ...(options.resources ? { resourceIndicators: resourceIndicators(options.resources) } : {})
    },
    ttl: { ClientCredentials: options.ttl ?? 1800 },
    clientAuthMethods: ['client_secret_post', 'client_secret_basic', 'client_secret_jwt', 'private_key_jwt', 'none']
  })
  console.warn = warn
  const requests: RequestRecord[] = []
  const issuedTokens: string[] = []
  // An opaque token is stored ("saved") under its value, its jti.
  provider.on('client_credentials.saved', (token: { jti: string }) => issuedTokens.push(token.jti))
  let failures = 0
  provider.use(async (ctx, next) => {
    await next()
    if (ctx.path === '/token' && failures > 0) {
      failures--
      ctx.status = 503
      ctx.set('retry-after', '0')
      ctx.body = { error: 'temporarily_unavailable', error_description: 'failure injected by the test' }
    }
    const body: Record<string, unknown> = (ctx as { oidc?: { body?: Record<string, unknown> } }).oidc?.body ?? {}
    const values: Record<string, string | string[]> = {}
    for (const [key, value] of Object.entries(body)) {
      if (SAFE_FIELDS.has(key)) values[key] = value as string | string[]
    }
    requests.push({
      method: ctx.method,
      path: ctx.path,
      authorization: ctx.get('authorization') ? ctx.get('authorization').split(' ')[0]?.toLowerCase() : undefined,
      fields: Object.keys(body).sort(),
      values,
      ...(typeof body.client_assertion === 'string' ? { assertion: decodeAssertion(body.client_assertion) } : {}),
      status: ctx.status
    })
  })
  // Silence the provider's development-mode warnings about missing key configuration.
  provider.on('server_error', () => undefined)
  const handle = provider.callback()
  server.on('request', (req, res) => void handle(req, res))
  const basic = (id: string, secret: string): string =>
    `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`
  return {
    issuer,
    tokenEndpoint: `${issuer}/token`,
    introspectionEndpoint: `${issuer}/token/introspection`,
    revocationEndpoint: `${issuer}/token/revocation`,
    requests,
    issuedTokens,
    tokenRequests: () => requests.filter(r => r.path === '/token'),
    failNextTokenRequests: count => {
      failures = count
    },
    async introspect(token) {
      const response = await fetch(`${issuer}/token/introspection`, {
        method: 'POST',
        headers: {
          authorization: basic(CLIENTS.introspector.id, CLIENTS.introspector.secret),
          'content-type': 'application/x-www-form-urlencoded'
        },
        body: new URLSearchParams({ token }).toString()
      })
      return (await response.json()) as Record<string, unknown>
    },
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** oidc-provider's resource indicators for the given resource servers: opaque tokens, the test scopes. */
function resourceIndicators(resources: string[]) {
  return {
    enabled: true,
    useGrantedResource: () => true,
    getResourceServerInfo: (_ctx: unknown, resource: string) => {
      if (!resources.includes(resource)) throw new errors.InvalidTarget()
      return { scope: 'scan:read scan:write', audience: resource, accessTokenFormat: 'opaque' as const }
    }
  }
}
