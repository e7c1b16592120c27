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
import { assertCleanEnd, assertRenewedOnce, runScanJob, type TokenServer } from '../support/scan-job.ts'

const PLAIN = { id: 'binarly-plain', secret: 'plain-secret-123' }
const LIFESPAN = 5

let kc: Keycloak
let proxy: FaultProxy
let tokens: TokenServer
before(async () => {
  kc = await startKeycloak()
  await kc.setClientAttributes(PLAIN.id, { 'access.token.lifespan': String(LIFESPAN) })
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
      const { scan } = run
      // The scan ran to its end and the gate failed the step on the inProgress finding.
      assert.equal(scan.code, 1, `${scan.stdout}\n${scan.stderr}`)
      assert.match(scan.stdout, /Scan [0-9A-Z]{26}: completed after \d+ s/)
      assert.match(scan.stderr, /failed: 1 finding\(s\) with a status in FAIL_ON_STATUS \(new,inProgress\)/)
      assert.match(
        run.summary,
        /\| Findings inProgress \| 1 \|\n\| Findings remediated \| 0 \|\n\| Findings rejected \| 1 \|/
      )

      assertRenewedOnce(run, tokens)
      await assertCleanEnd(run, token => tokens.introspect(token), PLAIN.secret)
    } finally {
      run.job.close()
      await run.api.close()
    }
  })
})
