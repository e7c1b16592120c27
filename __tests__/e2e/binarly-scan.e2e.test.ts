/**
 * Binarly's CI job end to end (docs/binarly-scan.md): examples/binarly-scan.sh in a runner-style job against
 * the stand-in of Binarly's documented API, whose every token is introspected at oidc-provider issuing
 * 5-second tokens, with a scan of 25 seconds (five token lifetimes). The script must complete the scan, never
 * send an expired token, survive a token revoked at the server mid-poll with one 401 and exactly one renewal
 * exchange, gate on FAIL_ON_STATUS, and leave no token active after the post step.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startJob } from '../support/job.ts'
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

  test('a finding whose status is in FAIL_ON_STATUS fails the job, naming how many; a product is created by name', async () => {
    const run = await runScanJob(tokens, {
      scanMs: 3000,
      findings: [{ issueStatus: 'new' }, { issueStatus: 'remediated' }],
      failOn: 'new,inProgress,rejected',
      // No product ID: the script creates the product by name (Binarly documents no lookup by name).
      env: { BINARLY_PRODUCT_ID: '', BINARLY_PRODUCT_NAME: 'gateway-firmware' }
    })
    try {
      const { scan } = run
      assert.equal(scan.code, 1, `${scan.stdout}\n${scan.stderr}`)
      assert.match(
        scan.stderr,
        /^::error title=Binarly scan::Binarly scan [0-9A-Z]{26} failed: 1 finding\(s\) with a status in FAIL_ON_STATUS \(new,inProgress,rejected\)\.$/m
      )
      assert.match(
        scan.stdout,
        /^Created product [0-9A-Z]{26}; set BINARLY_PRODUCT_ID=[0-9A-Z]{26} for the next scans/m
      )
      assert.deepEqual(
        [...run.api.products.values()].map(p => p.name),
        ['router-firmware', 'gateway-firmware']
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

describe('binarly-token --renew, runner-style', () => {
  test('8 steps renewing the same refused token at once: one exchange, one token for all, the refused one revoked', async () => {
    const job = startJob()
    try {
      const inputs = { ...tokens.inputs, 'token-command': 'true', 'min-validity': '2' }
      const main = await job.main(inputs)
      assert.equal(main.code, 0, main.stdout + main.stderr)
      const refused = main.outputs['access-token'] ?? ''
      const before = server.tokenRequests().length
      const burst = await job.run(
        'seq 8 | xargs -P 8 -I{} sh -c \'t=$(printf "%s\\n" "$BINARLY_ACCESS_TOKEN" | binarly-token --renew) && echo "$t"\'',
        { name: 'renew burst' }
      )
      assert.equal(burst.code, 0, burst.stderr)
      const got = burst.stdout.trim().split('\n')
      assert.equal(got.length, 8)
      assert.equal(new Set(got).size, 1, 'the renewing steps got different tokens')
      assert.notEqual(got[0], refused)
      assert.equal(server.tokenRequests().length, before + 1, 'not exactly one exchange for 8 renewals')
      // The agent revokes it beside the exchange: give the revocation a moment to land.
      for (let i = 0; i < 50 && (await server.introspect(refused)).active !== false; i++) {
        await new Promise(resolve => setTimeout(resolve, 20))
      }
      assert.equal((await server.introspect(refused)).active, false, 'the refused token is still active')
      assert.equal((await server.introspect(got[0] ?? '')).active, true)
      assert.ok(burst.masks.includes(got[0] ?? ''), 'the new token was masked')
      const post = await job.post(inputs)
      assert.equal(post.code, 0, post.stdout + post.stderr)
      assert.equal((await server.introspect(got[0] ?? '')).active, false)
    } finally {
      job.close()
    }
  })
})
