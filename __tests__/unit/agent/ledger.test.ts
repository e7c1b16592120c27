/** The agent's record of the tokens it minted: what the stop hands the post step, and what the audit shows. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { TokenLedger } from '../../../src/agent/ledger.ts'
import { AnswerProof, freshSecret, requestProof, sameProof } from '../../../src/agent/stop-proof.ts'

const T0 = Date.parse('2026-01-01T00:00:00Z')
const token = (name: string, lifetimeS: number | undefined) => ({
  accessToken: name,
  tokenType: 'Bearer',
  expiresIn: lifetimeS,
  expiresAt: lifetimeS === undefined ? undefined : new Date(T0 + lifetimeS * 1000),
  scope: undefined
})

test('every token minted, in order; the value only of those still valid and not revoked at renewal', () => {
  const ledger = new TokenLedger()
  ledger.add(token('a', 60), 'binarly-token', T0)
  const b = ledger.add(token('b', 600), 'binarly-token', T0 + 1000)
  ledger.add(token('c', undefined), 'renewal', T0 + 2000)
  // What a renewal does to the token it replaced.
  b.revokedAtRenewal = T0 + 3000
  assert.deepEqual(
    ledger.entries.map(entry => entry.token.accessToken),
    ['a', 'b', 'c']
  )
  assert.deepEqual(ledger.stopLines(T0 + 120_000), [
    { source: 'binarly-token', mintedAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-01T00:01:00.000Z' },
    {
      source: 'binarly-token',
      mintedAt: '2026-01-01T00:00:01.000Z',
      expiresAt: '2026-01-01T00:10:00.000Z',
      revokedAtRenewal: '2026-01-01T00:00:03.000Z'
    },
    { source: 'renewal', mintedAt: '2026-01-01T00:00:02.000Z', expiresAt: null, token: 'c' }
  ])
})

test('revokedAtRenewal marks that token only, and no token the agent did not mint', () => {
  const ledger = new TokenLedger()
  ledger.add(token('a', 60), 'binarly-token', T0)
  ledger.add(token('b', 60), 'binarly-token', T0)
  ledger.revokedAtRenewal(token('b', 60), T0 + 1000)
  ledger.revokedAtRenewal(token('the main step’s', 60), T0 + 1000)
  assert.deepEqual(
    ledger.entries.map(entry => [entry.token.accessToken, entry.revokedAtRenewal]),
    [
      ['a', undefined],
      ['b', T0 + 1000]
    ]
  )
})

test('a token whose expiry is the stop’s instant has expired: no value to revoke', () => {
  const ledger = new TokenLedger()
  ledger.add(token('a', 60), 'binarly-token', T0)
  assert.equal(ledger.stopLines(T0 + 60_000)[0]?.token, undefined)
  assert.equal(ledger.stopLines(T0 + 59_999)[0]?.token, 'a')
})

test('the stop proofs: bound to the key, the nonce and every line', () => {
  const key = freshSecret()
  assert.notEqual(key, freshSecret())
  assert.ok(sameProof(requestProof(key, 'n'), requestProof(key, 'n')))
  assert.ok(!sameProof(requestProof(key, 'n'), requestProof(key, 'm')))
  assert.ok(!sameProof(requestProof(key, 'n'), 'short'))
  // Fails closed whatever the lengths: no prefix, extension or empty value of a proof passes for it.
  const real = requestProof(key, 'n')
  for (const forged of ['', real.slice(0, 1), real.slice(0, -1), `${real}x`, ` ${real}`]) {
    assert.ok(!sameProof(real, forged), JSON.stringify(forged))
    assert.ok(!sameProof(forged, real), JSON.stringify(forged))
  }
  const proof = (lines: string[], nonce = 'n'): string => {
    const mac = new AnswerProof(key, nonce)
    for (const line of lines) mac.line(line)
    return mac.proof()
  }
  assert.equal(proof(['a', 'b']), proof(['a', 'b']))
  assert.notEqual(proof(['a', 'b']), proof(['ab']))
  assert.notEqual(proof(['a']), proof(['a'], 'm'))
})
