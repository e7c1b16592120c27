/**
 * Binarly's CI job (the scan step, scan/action.yml; docs/binarly-scan.md) against a real Keycloak: the stand-in of
 * Binarly's API introspects every token at Keycloak (as the introspector client, which the realm puts into
 * every token's audience: Keycloak 26.7 introspects only for clients in `aud`), the client issues 5-second
 * tokens and the scan takes 25 seconds; a token is revoked at Keycloak mid-poll, and the step renews it once
 * through the job's token agent (in process, over its socket). A loopback reverse proxy in
 * front of Keycloak's token endpoint counts the exchanges (Keycloak does not tell), so the renewal is seen
 * to cost exactly one. A second scan, over more than two tokens, passes the gate.
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

describe('the scan step against the stand-in, tokens from a real Keycloak', () => {
  test('a scan five tokens long completes; a token revoked at Keycloak mid-poll costs one 401 and one exchange; no expired token; the gate fails on an inProgress finding over every page, not on an older image', async () => {
    const findings = [
      ...Array.from({ length: 11 }, (_, i) => ({
        issueStatus: 'inProgress' as const,
        severity: 'high' as const,
        name: `cve-${i}`
      })),
      { issueStatus: 'rejected' as const, severity: 'low' as const, name: 'cve-old' }
    ]
    const run = await runScanJob(tokens, {
      scanMs: 25_000,
      findings,
      revokeMidPoll: true,
      api: {
        previousImage: { name: 'bios-0.9', findings: [{ issueStatus: 'new', severity: 'critical', name: 'cve-old' }] }
      }
    })
    try {
      const { scan } = run
      // The scan ran to its end and the gate failed the step on the inProgress findings (two pages of them).
      assert.equal(scan.code, 1, `${scan.stdout}\n${scan.stderr}`)
      assert.match(scan.stdout, /Scan [0-9A-Z]{26}: completed after \d+ s/)
      assert.equal(scan.errors.length, 1)
      assert.match(scan.errors[0] ?? '', /failed: 11 finding\(s\) with issue status new or inProgress, any severity: /)
      assert.equal(scan.outputs['findings-failing'], '11')
      assert.equal(scan.outputs['findings-new'], '0')
      assert.deepEqual(
        [scan.outputs['compared-resolved'], scan.outputs['compared-unchanged'], scan.outputs['compared-new']],
        ['0', '1', '11']
      )
      assert.match(run.summary, /\| Findings by status \| new 0, inProgress 11, remediated 0, rejected 1 \|/)

      assertRenewedOnce(run, tokens)
      await assertCleanEnd(run, token => tokens.introspect(token), PLAIN.secret)
    } finally {
      run.job.close()
      await run.api.close()
    }
  })

  test('the gate passes: a scan over more than two tokens whose findings are all outside fail-on-severity; the step succeeds and says so', async () => {
    const findings = [
      { issueStatus: 'new' as const, severity: 'high' as const, name: 'cve-high' },
      { issueStatus: 'inProgress' as const, severity: 'low' as const, name: 'cve-low' }
    ]
    const run = await runScanJob(tokens, { scanMs: 12_000, findings, inputs: { 'fail-on-severity': 'critical' } })
    try {
      const { scan } = run
      assert.equal(scan.code, 0, `${scan.stdout}\n${scan.stderr}`)
      assert.deepEqual(scan.errors, [])
      assert.match(scan.stdout, /Binarly scan [0-9A-Z]{26} passed: no finding with /)
      assert.equal(scan.outputs['findings-failing'], '0')
      assert.equal(scan.outputs['findings-new'], '1')
      assert.equal(scan.outputs['findings-high'], '1')
      // More than two token lifetimes: the API saw at least three tokens, and never an expired one.
      assert.ok(new Set(run.api.records.map(record => record.token).filter(Boolean)).size >= 3)
      await assertCleanEnd(run, token => tokens.introspect(token), PLAIN.secret)
    } finally {
      run.job.close()
      await run.api.close()
    }
  })
})
