/**
 * Binarly's CI job (examples/binarly-scan.sh, docs/binarly-scan.md) against a real Keycloak: the stand-in of
 * Binarly's API introspects every token at Keycloak (as the introspector client, which the realm puts into
 * every token's audience: Keycloak 26.7 introspects only for clients in `aud`), the client issues 5-second
 * tokens and the scan takes 25 seconds; a token is revoked at Keycloak mid-poll. A loopback reverse proxy in
 * front of Keycloak's token endpoint counts the exchanges (Keycloak does not tell), so the renewal is seen
 * to cost exactly one.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startKeycloak, type Keycloak } from '../../scripts/keycloak.mjs'
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts'
import { assertCleanEnd, exchangesBetween, runScanJob, type TokenServer } from '../support/scan-job.ts'

const PLAIN = { id: 'binarly-plain', secret: 'plain-secret-123' }
const LIFESPAN = 5

let kc: Keycloak
let proxy: FaultProxy
let tokens: TokenServer
before(async () => {
  kc = await startKeycloak()
  const [plain] = (await kc.adminRequest('GET', `/clients?clientId=${PLAIN.id}`)) as {
    id: string
    attributes?: Record<string, string>
  }[]
  assert.ok(plain)
  await kc.adminRequest('PUT', `/clients/${plain.id}`, {
    ...plain,
    attributes: { ...plain.attributes, 'access.token.lifespan': String(LIFESPAN) }
  })
  proxy = await startFaultProxy(kc.baseUrl)
  const path = new URL(kc.tokenEndpoint).pathname
  tokens = {
    inputs: { 'auth-url': `${proxy.url}${path}`, 'client-id': PLAIN.id, 'client-secret': PLAIN.secret },
    introspect: async token => {
      const response = await fetch(kc.introspectionEndpoint, {
        method: 'POST',
        body: new URLSearchParams({ token, client_id: 'introspector', client_secret: 'introspector-secret' })
      })
      assert.equal(response.status, 200)
      return (await response.json()) as Record<string, unknown>
    },
    revoke: async token => {
      const response = await fetch(kc.revocationEndpoint, {
        method: 'POST',
        body: new URLSearchParams({ token, client_id: PLAIN.id, client_secret: PLAIN.secret })
      })
      assert.equal(response.status, 200)
    },
    tokenRequestTimes: () => proxy.requests.filter(r => r.method === 'POST' && r.path === path).map(r => r.at)
  }
})
after(async () => {
  await proxy.close()
  await kc.stop()
})

describe('examples/binarly-scan.sh against the stand-in, tokens from a real Keycloak', () => {
  test('a scan five tokens long completes; a token revoked at Keycloak mid-poll costs one 401 and one exchange; no expired token; FAIL_ON_STATUS gates', async () => {
    const run = await runScanJob(tokens, {
      scanMs: 25_000,
      findings: [{ issueStatus: 'inProgress' }, { issueStatus: 'rejected' }],
      failOn: 'new,inProgress',
      revokeMidPoll: true
    })
    try {
      const { scan, api } = run
      // The scan ran to its end and the gate failed the step on the inProgress finding.
      assert.equal(scan.code, 1, `${scan.stdout}\n${scan.stderr}`)
      assert.match(scan.stdout, /Scan [0-9A-Z]{26}: completed after \d+ s/)
      assert.match(scan.stderr, /failed: 1 finding\(s\) with a status in FAIL_ON_STATUS \(new,inProgress\)/)
      assert.match(run.summary, /\| Findings inProgress \| 1 \|\n\| Findings remediated \| 0 \|\n\| Findings rejected \| 1 \|/)

      const used = new Set(api.records.flatMap(r => (r.token ? [r.token] : [])))
      assert.ok(used.size >= 4, `only ${used.size} tokens for a scan of five token lifetimes`)
      for (const record of api.records.filter(r => r.token && r.status !== 401)) {
        assert.ok(record.active && record.exp !== undefined && record.exp * 1000 > record.at, 'an expired token was sent')
      }
      assert.ok(run.revoked, 'no token was revoked mid-poll')
      assert.equal(run.refused.length, 1, `${run.refused.length} requests were refused, not just the revoked token's`)
      const [refused] = run.refused
      assert.ok(refused)
      assert.equal(refused.token, run.revoked.token)
      const retry = api.records.find(r => r.at > refused.at && r.status === 200)
      assert.ok(retry && retry.token !== refused.token && retry.path === refused.path)
      assert.equal(exchangesBetween(tokens, refused.at, retry.at), 1, 'not exactly one renewal exchange')
      await assertCleanEnd(run, token => tokens.introspect(token), PLAIN.secret)
    } finally {
      run.job.close()
      await run.api.close()
    }
  })
})
