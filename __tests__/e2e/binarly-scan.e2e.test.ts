/**
 * Binarly's CI job end to end (docs/binarly-scan.md): examples/binarly-scan.sh in a runner-style job against
 * the stand-in of Binarly's documented API, whose every token is introspected at oidc-provider issuing
 * 5-second tokens, with a scan of 25 seconds (five token lifetimes). The script must complete the scan, never
 * send an expired token, survive a token revoked at the server mid-poll with one 401 and exactly one renewal
 * exchange, gate on FAIL_ON_STATUS, and leave no token active after the post step.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { CLIENTS, startOidcServer, type OidcServer } from '../support/oidc-server.ts'
import { assertCleanEnd, assertRenewedOnce, runScanJob, type TokenServer } from '../support/scan-job.ts'

const TTL = 5
let server: OidcServer
let tokens: TokenServer
before(async () => {
  server = await startOidcServer({ ttl: TTL })
  tokens = {
    inputs: { 'auth-url': server.issuer, 'client-id': CLIENTS.post.id, 'client-secret': CLIENTS.post.secret },
    introspect: async token => server.introspect(token),
    revoke: async token => {
      const response = await fetch(server.revocationEndpoint, {
        method: 'POST',
        body: new URLSearchParams({ token, client_id: CLIENTS.post.id, client_secret: CLIENTS.post.secret })
      })
      assert.equal(response.status, 200)
    },
    tokenRequestTimes: () => server.tokenRequests().map(r => r.at)
  }
})
after(() => server.close())

describe('examples/binarly-scan.sh, runner-style, against the Binarly stand-in', () => {
  test('a scan five tokens long completes; a token revoked mid-poll costs one 401 and one renewal; no expired token is ever sent; findings outside FAIL_ON_STATUS pass', async () => {
    const run = await runScanJob(tokens, {
      scanMs: 25_000,
      findings: [{ issueStatus: 'remediated' }, { issueStatus: 'rejected' }, { issueStatus: 'rejected' }],
      revokeMidPoll: true
    })
    try {
      const { scan, api } = run
      assert.equal(scan.code, 0, `${scan.stdout}\n${scan.stderr}`)
      assert.match(scan.stdout, /Scan [0-9A-Z]{26}: completed after \d+ s/)
      assert.match(scan.stdout, /passed: no finding with a status in FAIL_ON_STATUS \(new,inProgress\)/)
      const [image] = [...api.images.values()]
      assert.ok(image, 'no image was uploaded')
      assert.equal(api.stateOf(image.scan), 'completed')
      assert.equal(image.bytes, 64 * 1024)
      assert.equal(image.version, '1.0.0')

      // The scan outlived several tokens, and every request but the revoked token's one came with an active,
      // unexpired token.
      assertRenewedOnce(run, tokens)
      // The pre-signed upload never carried the bearer token.
      assert.deepEqual(
        api.records.filter(r => r.authorizationOnUpload !== undefined).map(r => [r.authorizationOnUpload, r.status]),
        [[false, 200]]
      )

      assert.match(run.summary, /\| Scan \| `[0-9A-Z]{26}`: completed after \d+ s \|/)
      assert.match(
        run.summary,
        /\| Findings new \| 0 \|\n\| Findings inProgress \| 0 \|\n\| Findings remediated \| 1 \|\n\| Findings rejected \| 2 \|/
      )
      assert.match(run.summary, /\| Result \| \*\*passed: /)
      await assertCleanEnd(run, token => tokens.introspect(token), CLIENTS.post.secret)
    } finally {
      run.job.close()
      await run.api.close()
    }
  })

  test('a finding whose status is in FAIL_ON_STATUS fails the job, naming how many', async () => {
    const run = await runScanJob(tokens, {
      scanMs: 3000,
      findings: [{ issueStatus: 'new' }, { issueStatus: 'remediated' }],
      failOn: 'new,inProgress,rejected'
    })
    try {
      const { scan } = run
      assert.equal(scan.code, 1, `${scan.stdout}\n${scan.stderr}`)
      assert.match(
        scan.stderr,
        /^::error title=Binarly scan::Binarly scan [0-9A-Z]{26} failed: 1 finding\(s\) with a status in FAIL_ON_STATUS \(new,inProgress,rejected\)\.$/m
      )
      assert.match(run.summary, /\| Findings new \| 1 \|/)
      assert.match(run.summary, /\| Result \| \*\*failed: 1 finding/)
      assert.deepEqual(run.refused, [])
      await assertCleanEnd(run, token => tokens.introspect(token), CLIENTS.post.secret)
    } finally {
      run.job.close()
      await run.api.close()
    }
  })
})
