/**
 * How `binarly-token` and the post step talk to the token agent over its socket (a Unix socket in a 0700
 * directory, or a Windows named pipe): `binarly-token` sends one JSON line with the callers' key from the
 * agent's file and reads one JSON line; the post step's stop (below, apart) is authenticated both ways with
 * a stop key only the main step's state and the agent hold, and answered one token record a line. Types and
 * names only, so the command's import graph stays tiny.
 */

/** The file in the agent's directory that tells callers where the agent listens and the key it wants. */
export const AGENT_FILE = 'agent.json'

/** The variable the main step exports with the path of `binarly-token` (<agent directory>/bin/binarly-token). */
export const COMMAND_VARIABLE = 'BINARLY_TOKEN_COMMAND'

/** The variable the `binarly-token` wrapper scripts set to the agent's directory. */
export const AGENT_DIR_VARIABLE = 'BINARLY_TOKEN_AGENT'

/** The prefix of the directory in the system's temp directory that holds the socket when RUNNER_TEMP is too deep. */
export const SHORT_SOCKET_PREFIX = 'binarly-token-sock-'

/**
 * No line of a request or an answer comes near this; a longer one is refused. A line carries at most one
 * token, a token is at most the 1 MiB a token answer may be (MAX_BODY_BYTES), and JSON escaping makes a
 * character at most six: 8 MiB.
 */
export const MAX_LINE_BYTES = 8_388_608

/** The most a caller may ask a token to stay valid, in seconds (a day; `--min-validity` says so too). */
export const MAX_MIN_VALIDITY = 86_400

export interface AgentFile {
  /** Unix socket path or Windows pipe name. */
  socket: string
  /** The per-job key every request must carry. */
  key: string
  /** The `timeout` input in ms: no exchange of the agent takes longer. */
  timeoutMs: number
}

export type TokenRequest = { key: string; op: 'token'; minValidity?: number }

/** `binarly-token --renew`: the API refused `refused` before its expiry; replace it (once). */
export type RenewRequest = { key: string; op: 'renew'; refused: string; minValidity?: number }

export type AgentRequest = TokenRequest | RenewRequest | StopRequest

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
      /**
       * The auth-url the agent exchanges at (the scan step derives a SaaS API URL from it): what the main
       * step was given, held in the agent's memory, not what a later step may have written since.
       */
      authUrl?: string
    }
  | { ok: false; error: string }

// ---------------------------------------------------------------------------------------------------------
// The post step's stop, and the agent's record of the tokens it minted (the job's token audit).
// Only the post step can stop the agent, and the post step acts only on an answer the agent proves
// (stop-proof.ts); the answer holds token records, never an endpoint or an audience.
// ---------------------------------------------------------------------------------------------------------

/**
 * `{"op":"stop","nonce":…,"proof":…}`: a fresh nonce and its HMAC under the stop key. The agent answers one
 * StopLine per token it minted, then a StopEnd; or, to a request without the right proof, one
 * `{"ok":false,"error":…}` line (and goes on).
 */
export interface StopRequest {
  op: 'stop'
  nonce: string
  proof: string
}

/**
 * Who had the agent mint a token: a `binarly-token` call, or a renewal of a token an API refused (of the
 * token the jobs of the run share: replaced for this job only, never revoked).
 */
export type MintSource = 'binarly-token' | 'renewal' | 'renewal of the shared token'

/** What the agent keeps about every token it minted. */
export interface MintRecord {
  source: MintSource
  /** ISO-8601. */
  mintedAt: string
  /** ISO-8601, or null when the server gave no expiry. */
  expiresAt: string | null
  /** ISO-8601: when a renewal revoked it (the post step has nothing left to do for it). */
  revokedAtRenewal?: string
}

/** One line of the stop answer: a record, with the token when it is still valid and not revoked yet. */
export interface StopLine extends MintRecord {
  token?: string
}

/** The stop answer's last line: how many records came before it, and the proof of them all. */
export interface StopEnd {
  end: true
  count: number
  proof: string
}
