/**
 * What a person debugging a run may see (with ACTIONS_STEP_DEBUG): the non-secret claims of a JWT access
 * token. The token is decoded, never verified, and no other claim (subject, names, e-mail) is shown.
 */
const SAFE_CLAIMS = ['iss', 'azp', 'client_id', 'aud', 'typ', 'scope', 'iat', 'exp'] as const

export function safeJwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.')
  if (parts.length !== 3 || !parts[1]) return undefined
  let payload: unknown
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
  if (payload === null || typeof payload !== 'object') return undefined
  const claims: Record<string, unknown> = {}
  for (const name of SAFE_CLAIMS) {
    const value = (payload as Record<string, unknown>)[name]
    if (typeof value === 'string' || typeof value === 'number') claims[name] = value
    else if (Array.isArray(value) && value.every(v => typeof v === 'string')) claims[name] = value
  }
  return claims
}
