/**
 * A small token endpoint on loopback at a Keycloak-style path (`/realms/BinarlyRealm/protocol/openid-connect/
 * token`) that authenticates clients the way Keycloak's "Signed JWT - Federated" does (FederatedJWTClient-
 * Validator): the client assertion must be signed by the trusted issuer's published key, with aud = this
 * realm's issuer (one audience), the expected sub, active now, a jti seen once, and no client_id that differs
 * from sub (Keycloak 26.5's rule). The client is the one whose federated subject is the assertion's sub; its
 * access tokens are JWTs naming it in azp and client_id, as Keycloak's do (or opaque, on request). The revocation endpoint
 * next to it authenticates the same way and revokes a token of the authenticated client (RFC 7009).
 * For the fast suite only; the real acceptance test is against Keycloak.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRemoteJWKSet, decodeJwt, jwtVerify, SignJWT } from 'jose'
import { JWT_BEARER_ASSERTION } from '../../src/oauth/client-auth.ts'

export interface FederatedRealmOptions {
  /** Issuer of the trusted identity provider (its JWKS is found by discovery). */
  trustedIssuer: string
  /** The sub that client binarly-github expects ("Federated subject"). */
  subject: string
  /** More federated clients: Client ID → federated subject. */
  otherClients?: Record<string, string>
  /** Answer the first this-many token requests with 503 (Retry-After: 0). */
  failFirst?: number
  /** Issue opaque access tokens instead of JWTs. */
  opaque?: boolean
  /**
   * The access token's `client_id` claim. Keycloak's service-account tokens carry it beside `azp`, both the
   * authenticated client (the "Client ID" mapper); a realm can be made to put another value there (a hardcoded
   * claim mapper), which is what this stands for. Default: the authenticated client, as Keycloak does.
   */
  clientIdClaim?: string
  /** Answer revocation requests with this status (and an OAuth error) instead. */
  revocationStatus?: number
}

export interface FederatedRequest {
  /** Decoded claims of the assertion (never the assertion itself). */
  claims: Record<string, unknown> | undefined
  clientIdSent: boolean
  status: number
}

export interface FederatedRealm {
  issuer: string
  tokenEndpoint: string
  requests: FederatedRequest[]
  /** Access tokens handed out. */
  issued: string[]
  /** Access tokens revoked. */
  revoked: string[]
  close(): Promise<void>
}

const REALM = 'BinarlyRealm'

export async function startFederatedRealm(options: FederatedRealmOptions): Promise<FederatedRealm> {
  const discovery = (await (await fetch(`${options.trustedIssuer}/.well-known/openid-configuration`)).json()) as {
    jwks_uri: string
  }
  const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri))
  const seen = new Set<string>()
  const requests: FederatedRequest[] = []
  const issued: string[] = []
  const revoked: string[] = []
  /** Access token → the client it was issued to. */
  const owners = new Map<string, string>()
  const clients: Record<string, string> = { 'binarly-github': options.subject, ...options.otherClients }
  const signingKey = randomBytes(32)

  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const issuer = `http://127.0.0.1:${port}/realms/${REALM}`
  const tokenPath = `/realms/${REALM}/protocol/openid-connect/token`

  /** The client the assertion authenticates, or Keycloak's error_description for each way it can fail. */
  const authenticate = async (form: URLSearchParams): Promise<{ client: string } | { failure: string }> => {
    const failure = await check(form)
    if (failure) return { failure }
    const sub = decodeJwt(form.get('client_assertion') ?? '').sub
    return { client: Object.keys(clients).find(id => clients[id] === sub) ?? '' }
  }

  const check = async (form: URLSearchParams): Promise<string | undefined> => {
    const assertion = form.get('client_assertion')
    if (form.get('client_assertion_type') !== JWT_BEARER_ASSERTION || !assertion) {
      return 'Invalid client or Invalid client credentials'
    }
    const claims = decodeJwt(assertion)
    if (claims.iss !== options.trustedIssuer || !Object.values(clients).includes(claims.sub ?? '')) {
      return 'Invalid client or Invalid client credentials' // no client trusts this iss + sub
    }
    if (form.has('client_id') && form.get('client_id') !== claims.sub)
      return 'client_id parameter does not match sub claim'
    try {
      await jwtVerify(assertion, jwks, { issuer: options.trustedIssuer, requiredClaims: ['exp', 'jti'] })
    } catch (error) {
      return /exp|nbf|not active/i.test((error as Error).message)
        ? 'Token is not active'
        : 'Invalid client or Invalid client credentials'
    }
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud]
    if (!aud.includes(issuer)) return 'Invalid token audience'
    if (aud.length > 1) return 'Multiple audiences not allowed'
    if (seen.has(claims.jti ?? '')) return 'Token reuse detected'
    seen.add(claims.jti ?? '')
    return undefined
  }

  const readBody = async (req: IncomingMessage): Promise<string> => {
    let body = ''
    for await (const chunk of req) body += String(chunk)
    return body
  }

  server.on('request', (req, res) => {
    void (async () => {
      const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
      }
      const url = new URL(req.url ?? '/', issuer)
      if (req.method === 'GET' && url.pathname === `/realms/${REALM}/.well-known/openid-configuration`) {
        return json(200, { issuer, token_endpoint: `${issuer}/protocol/openid-connect/token` })
      }
      if (req.method === 'POST' && url.pathname === `/realms/${REALM}/protocol/openid-connect/revoke`) {
        const form = new URLSearchParams(await readBody(req))
        if (options.revocationStatus) return json(options.revocationStatus, { error: 'invalid_request' })
        const auth = await authenticate(form)
        if ('failure' in auth) return json(401, { error: 'invalid_client', error_description: auth.failure })
        const token = form.get('token') ?? ''
        if (owners.get(token) === auth.client) revoked.push(token)
        return json(200, {})
      }
      if (req.method !== 'POST' || url.pathname !== tokenPath)
        return json(404, { error: 'Unable to find matching target resource method' })
      const form = new URLSearchParams(await readBody(req))
      const assertion = form.get('client_assertion')
      const record: FederatedRequest = {
        claims: assertion ? decodeJwt(assertion) : undefined,
        clientIdSent: form.has('client_id'),
        status: 0
      }
      requests.push(record)
      if (requests.length <= (options.failFirst ?? 0)) {
        record.status = 503
        return json(503, { error: 'temporarily_unavailable' }, { 'retry-after': '0' })
      }
      const auth =
        form.get('grant_type') === 'client_credentials'
          ? await authenticate(form)
          : { failure: 'unsupported_grant_type' }
      if ('failure' in auth) {
        record.status = 401
        return json(401, { error: 'invalid_client', error_description: auth.failure })
      }
      const accessToken = options.opaque
        ? randomBytes(32).toString('base64url')
        : await new SignJWT({
            azp: auth.client,
            client_id: options.clientIdClaim ?? auth.client,
            typ: 'Bearer',
            scope: 'profile email'
          })
            .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
            .setIssuer(issuer)
            .setSubject(randomUUID())
            .setJti(randomUUID())
            .setIssuedAt()
            .setExpirationTime('5m')
            .sign(signingKey)
      issued.push(accessToken)
      owners.set(accessToken, auth.client)
      record.status = 200
      json(200, { access_token: accessToken, token_type: 'Bearer', expires_in: 300, scope: 'profile email' })
    })().catch(() => res.writeHead(500).end())
  })

  return {
    issuer,
    tokenEndpoint: `${issuer}/protocol/openid-connect/token`,
    requests,
    issued,
    revoked,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
