/**
 * What to change, for each way a token request fails. Matched on the OAuth `error` and
 * `error_description` that Keycloak (and other servers) send, not on the status alone. Pure.
 */
import type { AuthMethod } from '../common/config.js'
import type { AttemptFailure } from '../common/errors.js'
import { describeIdentity, type PresentedIdentity } from './github-oidc.js'

export interface HintContext {
  clientId: string
  method: AuthMethod
  scope: string | undefined
  endpoint: string
  /** github_oidc: the iss, sub and aud of the GitHub OIDC token that was presented. */
  presented?: PresentedIdentity
}

const CREDENTIALS_TAB = (id: string): string =>
  `Keycloak admin console → realm BinarlyRealm → Clients → ${id} → Credentials`

export function hintFor(failure: AttemptFailure, ctx: HintContext): string | undefined {
  const error = failure.error ?? ''
  const description = failure.errorDescription ?? ''
  const both = `${error} ${description}`
  const secretMethod = ctx.method === 'client_secret_post' || ctx.method === 'client_secret_basic'

  if (/realm does not exist/i.test(both)) {
    return `The realm in auth-url does not exist on this server: Binarly's realm is BinarlyRealm, so auth-url should look like https://<host>/realms/BinarlyRealm/protocol/openid-connect/token (the realm name is case-sensitive).`
  }
  if (/https required/i.test(both)) {
    return 'The realm requires HTTPS for this address: use the https:// Auth URL (or, on-premises, set the realm\'s "Require SSL" to match how runners reach Keycloak).'
  }
  if (/not enabled to retrieve service account/i.test(description)) {
    return `Client "${ctx.clientId}" cannot use the client credentials grant: in Keycloak, open Clients → ${ctx.clientId} → Settings → Capability config and check "Service accounts roles", then save.`
  }
  if (/public client not allowed/i.test(description)) {
    return `Client "${ctx.clientId}" is a public client: in Keycloak, open Clients → ${ctx.clientId} → Settings → Capability config, turn "Client authentication" on and check "Service accounts roles", then copy the secret from the Credentials tab.`
  }
  if (/client disabled|disabled client/i.test(description)) {
    return `Client "${ctx.clientId}" is disabled: enable it in Keycloak (Clients → ${ctx.clientId} → Enabled) or ask Binarly support (SaaS).`
  }
  if (error === 'invalid_scope') {
    return `The scope "${ctx.scope ?? ''}" is not available to client "${ctx.clientId}": remove it from the scope input, or add it to the client in Keycloak (Clients → ${ctx.clientId} → Client scopes, as Default or Optional).`
  }
  if (error === 'unsupported_grant_type' || /grant.*not (allowed|enabled)/i.test(description)) {
    return `The server does not allow the client credentials grant for "${ctx.clientId}": enable "Service accounts roles" on the client.`
  }
  if (error === 'unauthorized_client' || error === 'invalid_client') {
    const assertion = assertionHint(description, ctx)
    if (assertion) return assertion
    if (ctx.method === 'github_oidc') return githubRefusal(ctx)
    if (ctx.method === 'private_key_jwt') {
      const setup = `In Keycloak, Clients → ${ctx.clientId}: the Credentials tab must have Client Authenticator "Signed JWT", and the Keys tab the public key of private-key (Import key, or "Use JWKS URL")`
      return /unable to load public key/i.test(description)
        ? `Keycloak holds no public key of "${ctx.clientId}" for this assertion. ${setup}; private-key-id, when set, must be that key's kid (leave it empty if the client holds one key).`
        : `Keycloak rejected the signed client assertion of "${ctx.clientId}": private-key is not the key whose public key the client holds, or the client is not set up for it. ${setup}, and signing-algorithm must match the client's "Signature algorithm".`
    }
    if (secretMethod || ctx.method === 'client_secret_jwt') {
      // Keycloak answers a wrong secret with unauthorized_client, an unknown or disabled client with
      // invalid_client (both "Invalid client or Invalid client credentials"); other servers say
      // invalid_client for all of it.
      const secret = `copy the secret again from the ${CREDENTIALS_TAB(ctx.clientId)} tab (SaaS: the Client Secret Binarly support gave you) into the repository secret`
      return error === 'unauthorized_client'
        ? `The client secret of "${ctx.clientId}" is wrong: ${secret}; a secret regenerated in Keycloak replaces the old one.`
        : `Client "${ctx.clientId}" is unknown or disabled in this realm, or its secret is wrong: check client-id against the Client ID in Keycloak, the realm in auth-url (BinarlyRealm), that the client is Enabled, and ${secret}.`
    }
  }
  if (failure.status === 404 && !failure.error) {
    return 'Nothing answers at this URL: auth-url should be the token endpoint (…/realms/BinarlyRealm/protocol/openid-connect/token) or the realm URL (…/realms/BinarlyRealm).'
  }
  if (failure.status === 405) {
    return 'The URL does not accept POST: auth-url should be the token endpoint (…/protocol/openid-connect/token), not a page or the realm URL with a typo.'
  }
  return undefined
}

/**
 * Keycloak's reasons for refusing a client assertion (its AbstractBaseJWTValidator), for the methods that
 * send one.
 */
function assertionHint(description: string, ctx: HintContext): string | undefined {
  const github = ctx.method === 'github_oidc'
  if (!github && ctx.method !== 'private_key_jwt' && ctx.method !== 'client_secret_jwt') return undefined
  const what = github ? "GitHub's OIDC token" : 'the signed client assertion'
  if (/invalid token audience|multiple audiences/i.test(description)) {
    return github
      ? `The audience of GitHub's OIDC token (${ctx.presented ? `aud "${ctx.presented.aud}"` : 'shown in the log above'}) must be exactly the realm's issuer URL, as the realm's .well-known/openid-configuration shows it: leave oidc-audience empty to use the realm of auth-url, or set it to that issuer.`
      : "Keycloak expects the assertion's aud to be its token endpoint or realm issuer under its own hostname: set auth-url to the token endpoint under the hostname of the issuer the realm's .well-known/openid-configuration shows."
  }
  if (/not active|issued in the future|too far in the past|too far in the future/i.test(description)) {
    return `Keycloak found ${what} expired or not yet valid by its clock: check that the clocks of Keycloak${github ? '' : ' and the runner'} are right (NTP); every attempt sends a new one.`
  }
  if (/reuse detected/i.test(description)) {
    return `Keycloak has already seen ${what} (its jti): this action sends a new one with every attempt, so something else sent it first; re-run the job.`
  }
  if (/signature algorithm/i.test(description) && !github) {
    return `signing-algorithm does not match the algorithm set on the client in Keycloak (Clients → ${ctx.clientId} → Credentials → Signature algorithm): make them the same.`
  }
  return undefined
}

/**
 * Keycloak refused GitHub's OIDC token without saying why (no client trusts its issuer and sub): which
 * setting must equal which claim of the token that was presented.
 */
function githubRefusal(ctx: HintContext): string {
  const p = ctx.presented
  const iss = p
    ? `"${p.iss}"`
    : "the token's iss (https://token.actions.githubusercontent.com on github.com, https://<host>/_services/token on GHES)"
  const sub = p
    ? `"${p.sub}"`
    : "the workflow's sub (e.g. repo:OWNER/REPO:ref:refs/heads/main, or repo:OWNER/REPO:environment:NAME for a job with an environment)"
  return `Keycloak did not accept GitHub's OIDC token as the credential of client "${ctx.clientId}"${p ? `; the token presented has ${describeIdentity(p)}` : ''}. In Keycloak these must match it: an identity provider whose Issuer is ${iss}, with "Supports client assertions" on; client "${ctx.clientId}" with Client Authenticator "Signed JWT - Federated", that identity provider, and "Federated subject" (jwt.credential.sub) equal to ${sub} exactly (branch, tag or environment included); and aud must be the realm's issuer URL (leave oidc-audience empty to use the realm of auth-url).`
}
