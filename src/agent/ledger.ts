/**
 * The agent's record of every token it minted, for the post step to revoke and to list in the job's token
 * audit: who asked for it (a `binarly-token` call, or a renewal of a refused token), when, until when, and
 * whether a renewal revoked it already. The token values stay here, in memory, until the stop. Pure.
 */
import type { MintSource, StopLine } from './protocol.js'
import type { IssuedToken } from '../runner/outputs.js'

/** A token the agent minted; times in ms. A renewal that revokes it sets `revokedAtRenewal`. */
export interface LedgerEntry {
  token: IssuedToken
  source: MintSource
  mintedAt: number
  revokedAtRenewal?: number
}

export class TokenLedger {
  /** In the order they were minted. */
  readonly entries: LedgerEntry[] = []

  /** Notes a token an exchange of the agent obtained at `mintedAt`; returns its entry. */
  add(token: IssuedToken, source: MintSource, mintedAt: number): LedgerEntry {
    const entry: LedgerEntry = { token, source, mintedAt }
    this.entries.push(entry)
    return entry
  }

  /** Notes that a renewal revoked `token` at `at` (a token the agent did not mint, the main step's, is not noted). */
  revokedAtRenewal(token: IssuedToken, at: number): void {
    const entry = this.entries.find(e => e.token.accessToken === token.accessToken)
    if (entry) entry.revokedAtRenewal = at
  }

  /**
   * The stop answer's lines: every token minted, in order, with its value only when it is still valid at
   * `now` and no renewal revoked it (the ones the post step is to revoke).
   */
  stopLines(now: number): StopLine[] {
    return this.entries.map(({ token, source, mintedAt, revokedAtRenewal }) => {
      const expiresAt = token.expiresAt?.getTime()
      const live = revokedAtRenewal === undefined && (expiresAt === undefined || expiresAt > now)
      return {
        source,
        mintedAt: new Date(mintedAt).toISOString(),
        expiresAt: expiresAt === undefined ? null : new Date(expiresAt).toISOString(),
        ...(revokedAtRenewal === undefined ? {} : { revokedAtRenewal: new Date(revokedAtRenewal).toISOString() }),
        ...(live ? { token: token.accessToken } : {})
      }
    })
  }
}
