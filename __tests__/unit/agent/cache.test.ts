/** The token agent's cache: reuse while valid long enough, one shared exchange otherwise; renewal by compare-and-swap. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { IssuedToken } from '../../../src/runner/outputs.ts'
import { TokenCache } from '../../../src/agent/cache.ts'

function tokenAt(now: number, name: string, lifetimeS: number | undefined): IssuedToken {
  return {
    accessToken: name,
    tokenType: 'Bearer',
    expiresIn: lifetimeS,
    expiresAt: lifetimeS === undefined ? undefined : new Date(now + lifetimeS * 1000),
    scope: undefined
  }
}

/** A cache over a fake exchange that hands out t1, t2, … living `lifetimeS`, and a settable clock. */
function setup(initialLifetimeS: number | undefined, lifetimeS: number | undefined = 300) {
  const clock = { now: 1_000_000 }
  let count = 0
  let release: (() => void) | undefined
  const gate = { hold: false, fail: undefined as Error | undefined, failRevoke: false }
  const exchange = async (): Promise<IssuedToken> => {
    count++
    if (gate.hold) await new Promise<void>(resolve => (release = resolve))
    if (gate.fail) throw gate.fail
    return tokenAt(clock.now, `t${count}`, lifetimeS)
  }
  const revoked: string[] = []
  const revoke = async (token: IssuedToken): Promise<void> => {
    revoked.push(token.accessToken)
    if (gate.failRevoke) throw new Error('the revocation endpoint is down')
  }
  const cache = new TokenCache(tokenAt(clock.now, 'initial', initialLifetimeS), exchange, () => clock.now, revoke)
  return { cache, clock, gate, revoked, exchanges: () => count, release: () => release?.() }
}

describe('TokenCache', () => {
  test('the boundaries: exactly as long as asked is long enough, and so is exactly 90% of a fresh lifetime', async () => {
    const { cache, clock, exchanges } = setup(300, 100)
    // 300 s left, 300 s asked: the initial token, no remark.
    assert.deepEqual(await cache.get(300), { token: tokenAt(clock.now, 'initial', 300), fresh: false })
    assert.equal(exchanges(), 0)
    // 301 s asked: an exchange; its token lives 100 s, less than asked, so it says how long they live.
    const short = await cache.get(301)
    assert.equal(short.token.accessToken, 't1')
    assert.equal(short.shortLived, 100)
    // At exactly 90 s of the fresh 100 left, the token is as good as a fresh one: no exchange.
    clock.now += 10_000
    assert.equal((await cache.get(301)).token.accessToken, 't1')
    assert.equal(exchanges(), 1)
    clock.now += 1
    assert.equal((await cache.get(301)).token.accessToken, 't2')
    // A renewal asks in seconds too: 100 s asked of a 100 s token is long enough, no remark.
    const renewed = await cache.renew('t2', 100)
    assert.equal(renewed.token.accessToken, 't3')
    assert.equal(renewed.shortLived, undefined)
    // 101 s asked of a renewal whose token lives 100 s: said so.
    const longer = await cache.renew('t3', 101)
    assert.equal(longer.token.accessToken, 't4')
    assert.equal(longer.shortLived, 100)
  })

  test('reuses the initial token while it is valid long enough, then exchanges once', async () => {
    const { cache, clock, exchanges } = setup(300)
    assert.deepEqual(await cache.get(60), { token: (await cache.get(60)).token, fresh: false })
    assert.equal((await cache.get(60)).token.accessToken, 'initial')
    assert.equal(exchanges(), 0)
    clock.now += 241_000
    const fresh = await cache.get(60)
    assert.deepEqual([fresh.token.accessToken, fresh.fresh], ['t1', true])
    assert.deepEqual(await cache.get(60), { token: fresh.token, fresh: false })
    assert.equal(exchanges(), 1)
  })

  test('concurrent callers share one exchange', async () => {
    const { cache, clock, gate, exchanges, release } = setup(10)
    clock.now += 5000
    gate.hold = true
    const waiting = Array.from({ length: 16 }, () => cache.get(60))
    // A caller arriving while the exchange runs waits for it, even if the old token would satisfy it.
    waiting.push(cache.get(0))
    await new Promise(resolve => setImmediate(resolve))
    release()
    const got = await Promise.all(waiting)
    assert.equal(exchanges(), 1)
    assert.deepEqual(new Set(got.map(g => g.token.accessToken)), new Set(['t1']))
  })

  test('settled() waits for a running exchange, whatever its outcome', async () => {
    const { cache, gate, release } = setup(0)
    await cache.settled()
    gate.hold = true
    gate.fail = new Error('no')
    const call = cache.get(60).catch(() => 'failed')
    let settled = false
    const waiting = cache.settled().then(() => (settled = true))
    await new Promise(resolve => setImmediate(resolve))
    assert.equal(settled, false)
    release()
    await waiting
    assert.equal(await call, 'failed')
  })

  test('a failed exchange fails every waiting caller, and the next call tries again', async () => {
    const { cache, gate, exchanges } = setup(0)
    gate.fail = new Error('the server said no')
    const results = await Promise.allSettled([cache.get(60), cache.get(60)])
    assert.deepEqual(
      results.map(r => r.status),
      ['rejected', 'rejected']
    )
    assert.equal(exchanges(), 1)
    gate.fail = undefined
    assert.equal((await cache.get(60)).token.accessToken, 't2')
  })

  test('asking for more than the server ever gives: the fresh token with a remark, and no exchange per call', async () => {
    const { cache, clock, exchanges } = setup(0, 30)
    const first = await cache.get(60)
    assert.equal(first.token.accessToken, 't1')
    assert.equal(first.shortLived, 30)
    clock.now += 2000 // 28 s left: over 90 % of a fresh token's life, as good as fresh
    assert.deepEqual(await cache.get(60), { token: first.token, fresh: false, shortLived: 30 })
    assert.equal(exchanges(), 1)
    clock.now += 2000 // 26 s left: a fresh one would be better
    assert.equal((await cache.get(60)).token.accessToken, 't2')
    assert.equal(exchanges(), 2)
  })

  test('an initial token shorter than asked, before any exchange, is replaced', async () => {
    const { cache, exchanges } = setup(5, 300)
    assert.equal((await cache.get(60)).token.accessToken, 't1')
    assert.equal(exchanges(), 1)
  })

  test('tokens without an expiry are reused (nothing says they ran out)', async () => {
    const { cache, exchanges } = setup(undefined, undefined)
    assert.deepEqual(await cache.get(86400), { token: (await cache.get(0)).token, fresh: false })
    assert.equal(exchanges(), 0)
  })

  test('a server that gives no expiry for fresh tokens: a short initial token is replaced, then reused', async () => {
    const { cache, clock, exchanges } = setup(1, undefined)
    clock.now += 2000
    const got = await cache.get(60)
    assert.equal(got.token.accessToken, 't1')
    assert.equal(got.shortLived, undefined)
    assert.equal((await cache.get(60)).token.accessToken, 't1')
    assert.equal(exchanges(), 1)
  })

  test('renew: the current token refused is revoked and replaced by one exchange, marked as a renewal', async () => {
    const { cache, revoked, exchanges } = setup(300)
    const renewed = await cache.renew('initial', 60)
    assert.equal(renewed.fresh, true)
    assert.equal(renewed.token.accessToken, 't1')
    assert.deepEqual(revoked, ['initial'])
    assert.equal(exchanges(), 1)
    assert.equal(cache.sourceOf(renewed.token), 'renewal')
    // The renewed token is the current one now.
    assert.deepEqual(await cache.get(60), { token: renewed.token, fresh: false })
  })

  test('renew: 16 callers renewing the same refused token at once cause one revocation and one exchange', async () => {
    const { cache, gate, revoked, exchanges, release } = setup(300)
    gate.hold = true
    const renewing = Array.from({ length: 16 }, () => cache.renew('initial', 60))
    await new Promise(resolve => setImmediate(resolve))
    release()
    const got = await Promise.all(renewing)
    assert.deepEqual(new Set(got.map(g => g.token.accessToken)), new Set(['t1']))
    assert.equal(exchanges(), 1)
    assert.deepEqual(revoked, ['initial'])
  })

  test('renew: a token someone renewed already gets the current one, without an exchange or a revocation', async () => {
    const { cache, revoked, exchanges } = setup(300)
    const first = await cache.renew('initial', 60)
    assert.deepEqual(await cache.renew('initial', 60), { token: first.token, fresh: false })
    assert.equal(exchanges(), 1)
    assert.deepEqual(revoked, ['initial'])
    // A token exchanged the ordinary way (not renewed) says so.
    const { cache: other, clock } = setup(10)
    clock.now += 5000
    const refreshed = await other.get(60)
    assert.equal(other.sourceOf(refreshed.token), 'binarly-token')
  })

  test('renew: a failed revocation does not fail the renewal; a failed exchange never hands out the refused token again', async () => {
    const { cache, gate, revoked, exchanges } = setup(300)
    gate.failRevoke = true
    gate.fail = new Error('the server said no')
    await assert.rejects(cache.renew('initial', 60), /the server said no/)
    assert.deepEqual(revoked, ['initial'])
    gate.fail = undefined
    // The refused token is no longer current: the next call exchanges instead of handing it out.
    assert.equal((await cache.get(60)).token.accessToken, 't2')
    assert.equal(exchanges(), 2)
  })
})
