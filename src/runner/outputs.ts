/**
 * What later steps get: the step outputs and the environment variable. Called only with a token that is
 * masked already.
 */
import type { Core } from './deps.js'
import type { TokenResponse } from '../oauth/token-response.js'

/** A token as the action hands it out. */
export interface IssuedToken {
  accessToken: string
  tokenType: string
  expiresIn: number | undefined
  /** When it expires; undefined when the server did not say. */
  expiresAt: Date | undefined
  scope: string | undefined
}

export function issuedToken(token: TokenResponse, receivedAt: number): IssuedToken {
  return {
    accessToken: token.accessToken,
    tokenType: token.tokenType,
    expiresIn: token.expiresIn,
    expiresAt: token.expiresIn === undefined ? undefined : new Date(receivedAt + token.expiresIn * 1000),
    scope: token.scope
  }
}

export function publishToken(
  core: Pick<Core, 'setOutput' | 'exportVariable'>,
  token: IssuedToken,
  envVar: string | undefined
): void {
  core.setOutput('access-token', token.accessToken)
  core.setOutput('token-type', token.tokenType)
  core.setOutput('expires-in', token.expiresIn === undefined ? '' : String(token.expiresIn))
  core.setOutput('expires-at', token.expiresAt ? token.expiresAt.toISOString() : '')
  core.setOutput('scope', token.scope ?? '')
  if (envVar) core.exportVariable(envVar, token.accessToken)
}
