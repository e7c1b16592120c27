/**
 * Client authentication (RFC 6749 §2.3, RFC 7523, OpenID Connect Core §9): what the token and revocation
 * requests carry to prove who the client is. Built fresh for every attempt, so a signed assertion never
 * repeats its `jti` and a GitHub OIDC token is never stale.
 */
import type { ClientAuth } from '../common/config.js'
import { formEncode } from './secret-forms.js'
import { githubIdToken, presentedIdentity, requireIdTokenPermission, type PresentedIdentity } from './github-oidc.js'

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

export interface ClientCredentials {
  /** Form fields to add to the request body. */
  fields: Record<string, string>
  /** Headers to add to the request. */
  headers: Record<string, string>
  /** Every credential built here, to be masked before the request is sent. */
  secrets: string[]
  /** github_oidc: the iss, sub and aud of the GitHub OIDC token sent, for messages. */
  presented?: PresentedIdentity
}

export interface ClientAuthContext {
  clientId: string
  /** Where the credentials are sent: the `aud` of a signed assertion. */
  endpoint: string
  /** Audience of the GitHub OIDC token (github_oidc). */
  oidcAudience: string | undefined
  getIDToken(audience: string): Promise<string>
  now(): number
}

/** RFC 6749 §2.3.1: form-urlencode id and secret, join with ':', then Base64. */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64')}`
}

/**
 * What can be known wrong about the client authentication before any request: a key that cannot sign
 * with signing-algorithm, or a job without the id-token permission.
 */
export async function checkClientAuth(auth: ClientAuth, env: NodeJS.ProcessEnv): Promise<void> {
  if (auth.method === 'client_secret_jwt' || auth.method === 'private_key_jwt') {
    const { checkSigningKey } = await import('./assertion.js')
    await checkSigningKey(auth)
  }
  if (auth.method === 'github_oidc') requireIdTokenPermission(env)
}

export async function clientCredentials(auth: ClientAuth, ctx: ClientAuthContext): Promise<ClientCredentials> {
  switch (auth.method) {
    case 'client_secret_post':
      return { fields: { client_id: ctx.clientId, client_secret: auth.clientSecret }, headers: {}, secrets: [] }
    case 'client_secret_basic': {
      const authorization = basicAuthorization(ctx.clientId, auth.clientSecret)
      return { fields: {}, headers: { authorization }, secrets: [authorization.slice('Basic '.length)] }
    }
    case 'client_secret_jwt':
    case 'private_key_jwt': {
      const { signClientAssertion } = await import('./assertion.js')
      const assertion = await signClientAssertion(auth, ctx.clientId, ctx.endpoint, ctx.now())
      return assertionCredentials(ctx.clientId, assertion)
    }
    case 'github_oidc': {
      if (!ctx.oidcAudience) throw new Error('github_oidc needs an audience for the GitHub OIDC token')
      // A new token for every attempt: Keycloak accepts each jti once, so a retry cannot reuse one.
      const token = await githubIdToken(audience => ctx.getIDToken(audience), ctx.oidcAudience)
      // No client_id (optional, RFC 7521 §4.2): Keycloak finds the client by the token's iss and sub.
      // Keycloak 26.5 refuses the Client ID there ("client_id parameter does not match sub claim"), 26.7
      // refuses the sub: none works on both (docs/keycloak-notes.md). The issued token's azp is checked instead.
      const presented = presentedIdentity(token)
      return { ...assertionCredentials(undefined, token), ...(presented ? { presented } : {}) }
    }
  }
}

function assertionCredentials(clientId: string | undefined, assertion: string): ClientCredentials {
  return {
    fields: {
      ...(clientId ? { client_id: clientId } : {}),
      client_assertion_type: JWT_BEARER_ASSERTION,
      client_assertion: assertion
    },
    headers: {},
    secrets: [assertion]
  }
}
