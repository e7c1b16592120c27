/**
 * The token agent's memory: the current token, reused while it is valid long enough for the caller, else
 * one exchange that every concurrent caller shares (single flight). A token the API refused is renewed by
 * compare-and-swap: revoked (by the callback, which keeps a shared token) and replaced only while it is still
 * the current one. Pure but for the exchange and the revocation it is given; the clock is passed in.
 */
import type { IssuedToken } from '../runner/outputs.js'
import type { MintSource } from './protocol.js'

export interface CachedToken {
  token: IssuedToken
  /** Whether the token comes from an exchange made for this call (or one it joined). */
  fresh: boolean
  /**
   * Set when the token is shorter-lived than the caller asked, although it is as fresh as the server makes
   * them: how long a fresh token lives, in whole seconds.
   */
  shortLived?: number
}

/**
 * A token with at least this share of a fresh token's lifetime left is as good as a fresh one: a caller
 * asking for more than the server ever gives gets it (with a remark) instead of an exchange per call.
 */
export const FRESH_SHARE = 0.9

export class TokenCache {
  private current: IssuedToken | undefined
  /** How long the last token from an exchange lived, in ms (0: no exchange yet, or the server did not say). */
  private freshLifetimeMs = 0
  private inFlight: Promise<IssuedToken> | undefined
  /** Every token a renewal minted, and the token it replaced. */
  private readonly renewals = new WeakMap<IssuedToken, IssuedToken>()

  constructor(
    initial: IssuedToken | undefined,
    private readonly exchange: () => Promise<IssuedToken>,
    private readonly now: () => number,
    /** Revokes a refused token (its failure is not the caller's: the token is refused anyway). */
    private readonly revoke: (token: IssuedToken) => Promise<void>
  ) {
    this.current = initial
  }

  /** A token valid for at least `minValiditySeconds` more, if the server issues such tokens at all. */
  async get(minValiditySeconds: number): Promise<CachedToken> {
    const wanted = minValiditySeconds * 1000
    const current = this.current
    if (current && !this.inFlight && this.goodEnough(current, wanted)) return this.answer(current, wanted, false)
    const token = await this.refresh()
    return this.answer(token, wanted, true)
  }

  /**
   * The API refused `refused` before its expiry. While it is still the current token (and no exchange runs),
   * it is revoked and replaced by one exchange, which every caller renewing it meanwhile shares; otherwise
   * someone renewed or refreshed it already, and the caller gets what get() hands out.
   */
  async renew(refused: string, minValiditySeconds: number): Promise<CachedToken> {
    const current = this.current
    if (this.inFlight || current?.accessToken !== refused) return this.get(minValiditySeconds)
    const token = await this.refresh(current)
    return this.answer(token, minValiditySeconds * 1000, true)
  }

  /** Who had a token of this cache minted: an exchange for binarly-token, or a renewal (of `shared`, or another). */
  sourceOf(token: IssuedToken, shared?: IssuedToken): MintSource {
    const refused = this.renewals.get(token)
    if (!refused) return 'binarly-token'
    return refused === shared ? 'renewal of the shared token' : 'renewal'
  }

  /** Resolves once no exchange is running (whatever its outcome). */
  async settled(): Promise<void> {
    await this.inFlight?.catch(() => undefined)
  }

  /** How long a token has left, in ms; a token without a known expiry counts as valid. */
  private left(token: IssuedToken): number {
    return token.expiresAt ? token.expiresAt.getTime() - this.now() : Number.POSITIVE_INFINITY
  }

  private goodEnough(token: IssuedToken, wantedMs: number): boolean {
    const left = this.left(token)
    if (left >= wantedMs) return true
    // Nothing fresher can be had: the server's tokens do not live as long as asked.
    return this.freshLifetimeMs > 0 && left >= this.freshLifetimeMs * FRESH_SHARE
  }

  private answer(token: IssuedToken, wantedMs: number, fresh: boolean): CachedToken {
    if (this.left(token) >= wantedMs) return { token, fresh }
    // Only a token as fresh as they come is handed out short, so the last exchange says how long they live.
    return { token, fresh, shortLived: Math.floor(this.freshLifetimeMs / 1000) }
  }

  /** One exchange, shared by everyone who asks while it runs; a renewal revokes the refused token meanwhile. */
  private refresh(refused?: IssuedToken): Promise<IssuedToken> {
    this.inFlight ??= (async () => {
      try {
        if (refused) {
          // Never handed out again, even if the exchange fails.
          this.current = undefined
          void this.revoke(refused).catch(() => undefined)
        }
        const token = await this.exchange()
        this.current = token
        if (refused) this.renewals.set(token, refused)
        this.freshLifetimeMs = (token.expiresIn ?? 0) * 1000
        return token
      } finally {
        this.inFlight = undefined
      }
    })()
    return this.inFlight
  }
}
