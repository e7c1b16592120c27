/**
 * The post step's stop, authenticated both ways with a stop key that only the main step's state and the agent
 * hold (never agent.json, never a later step): the request carries a fresh nonce and its HMAC under the key,
 * so only the post step can stop the agent; the answer's last line carries the HMAC of that nonce and of
 * every line before it, so the post step acts only on what the agent the main step started sent. The key
 * itself never travels. Pure but for the random bytes.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

const REQUEST_LABEL = 'binarly-token stop request\n'
const ANSWER_LABEL = 'binarly-token stop answer\n'

/** A fresh random value: the stop key, or a nonce. */
export function freshSecret(): string {
  return randomBytes(32).toString('base64url')
}

/** What a stop request must carry beside its nonce. */
export function requestProof(stopKey: string, nonce: string): string {
  return createHmac('sha256', stopKey).update(REQUEST_LABEL).update(nonce).digest('base64url')
}

/** The MAC of a stop answer: fed every line, in order; `proof()` is what its last line carries. */
export class AnswerProof {
  private readonly hmac: ReturnType<typeof createHmac>

  constructor(stopKey: string, nonce: string) {
    this.hmac = createHmac('sha256', stopKey).update(ANSWER_LABEL).update(nonce).update('\n')
  }

  line(text: string): void {
    this.hmac.update(text).update('\n')
  }

  proof(): string {
    return this.hmac.digest('base64url')
  }
}

/** Whether two proofs are equal, in a time that says nothing about where they differ (or their lengths). */
export function sameProof(a: string, b: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest()
  return timingSafeEqual(digest(a), digest(b))
}
