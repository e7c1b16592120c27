/**
 * How `binarly-token` and the post step talk to the token agent: one JSON line each way over the agent's
 * socket (a Unix socket in a 0700 directory, or a Windows named pipe), and the file in that directory that
 * says where the socket is. Types and names only, so the command's import graph stays tiny.
 */

/** The file in the agent's directory that tells callers where the agent listens and the key it wants. */
export const AGENT_FILE = 'agent.json'

/** The variable the `binarly-token` wrapper scripts set to the agent's directory. */
export const AGENT_DIR_VARIABLE = 'BINARLY_TOKEN_AGENT'

/** The prefix of the directory in the system's temp directory that holds the socket when RUNNER_TEMP is too deep. */
export const SHORT_SOCKET_PREFIX = 'binarly-token-sock-'

/** A request or an answer never comes near this; a longer line is refused. */
export const MAX_LINE_BYTES = 65_536

export interface AgentFile {
  /** Unix socket path or Windows pipe name. */
  socket: string
  /** The per-job key every request must carry. */
  key: string
  /** The `timeout` input in ms: no exchange of the agent takes longer. */
  timeoutMs: number
}

export type AgentRequest = { key: string; op: 'token'; minValidity?: number } | { key: string; op: 'stop' }

/** A token as the command prints it with `--json` (but `expires_in`, which it counts at print time). */
export interface WireToken {
  access_token: string
  token_type: string
  /** ISO-8601, or null when the server gave no expiry. */
  expires_at: string | null
  scope: string | null
}

export type TokenAnswer =
  | {
      ok: true
      token: WireToken
      /** Whether the agent made (or joined) an exchange for this request, rather than reuse its token. */
      fresh: boolean
      /** The validity that was asked for (the caller's, or the min-validity input). */
      minValidity: number
      /** Set when even a fresh token lives shorter than asked: how long fresh tokens live, in seconds. */
      shortLived?: number
    }
  | { ok: false; error: string }

/** What the agent hands the post step when it stops: every token it minted that is still valid. */
export interface StopAnswer {
  ok: true
  minted: { accessToken: string; expiresAt: string | null }[]
  /** The endpoints the agent used ('' when it made no request: then it minted nothing). */
  tokenEndpoint: string
  revocationEndpoint: string
  oidcAudience: string
}
