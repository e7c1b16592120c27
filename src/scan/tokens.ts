/**
 * The scan step's tokens, from the job's token agent in this process (its socket protocol, agent/client.ts;
 * no `binarly-token` subprocess): a fresh answer for every API call, and one renewal of a token the API
 * refused. Every token is masked before it is used.
 */
import { dirname } from 'node:path'
import { askAgent } from '../agent/client.js'
import { COMMAND_VARIABLE, type TokenAnswer } from '../agent/protocol.js'
import { printable } from '../common/server-text.js'

export interface TokenSource {
  /** A token valid for the agent's min-validity at least. */
  token(): Promise<string>
  /** A new token in place of `refused`, which the API answered 401 to before its expiry. */
  renew(refused: string): Promise<string>
  /** The auth-url the agent exchanges at, as its first answer said. */
  authUrl(): string | undefined
}

/** The one error for a job whose sign-in step has no token agent. */
export const NO_AGENT = `the scan step takes its tokens from the job's token agent, and there is none: add token-command: true to the binarly-m2m-auth sign-in step before this step (same job), so that every call of a scan that outlives a token gets a valid one.`

/**
 * Where the agent listens: the directory of `binarly-token` (<agent dir>/bin/binarly-token, which the main step
 * exported as BINARLY_TOKEN_COMMAND) holds agent.json. A later step can rewrite that variable, as it can call
 * binarly-token itself; it cannot make a token go to a host this step did not choose: the API URL is the
 * api-url input, or derived only into *.binarly.cloud (api-url.ts).
 */
export function agentTokens(env: NodeJS.ProcessEnv, mask: (secret: string) => void): TokenSource {
  const command = env[COMMAND_VARIABLE]
  if (!command) throw new Error(NO_AGENT)
  const dir = dirname(dirname(command))
  let authUrl: string | undefined
  const ask = async (request: { op: 'token' } | { op: 'renew'; refused: string }): Promise<string> => {
    const answer = await askAgent<TokenAnswer>(dir, request)
    // What the agent says is printed inert: whatever listens at its socket could have said it.
    if (!answer.ok) throw new Error(`the token agent could not give a token: ${printable(answer.error, 2000)}`)
    mask(answer.token.access_token)
    authUrl ??= answer.authUrl
    return answer.token.access_token
  }
  return {
    token: () => ask({ op: 'token' }),
    renew: refused => ask({ op: 'renew', refused }),
    authUrl: () => authUrl
  }
}
