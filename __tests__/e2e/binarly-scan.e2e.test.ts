/**
 * Binarly's CI job end to end (docs/binarly-scan.md): the scan step (scan/action.yml) in a runner-style job
 * against the stand-in of Binarly's documented API, whose every token is introspected at oidc-provider issuing
 * 5-second tokens. The step must complete a scan of several token lifetimes, never send an expired token,
 * survive a token revoked at the server mid-poll and a 401 to a still-valid one with one renewal each, count
 * findings over every page, leave an older image's findings out of the gate, gate both ways, refuse every
 * hostile answer with one readable error and nothing sent elsewhere, and leave no token active or visible.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { ApiRecord, Finding } from '../support/binarly-api.ts'
import { startJob } from '../support/job.ts'
import { CLIENTS, startOidcServer, type OidcServer } from '../support/oidc-server.ts'
import {
  assertCleanEnd,
  assertRenewedOnce,
  POLL,
  runScanJob,
  type ScanOptions,
  type ScanRun,
  type TokenServer
} from '../support/scan-job.ts'

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

/** Runs the job, hands it to `check`, and always cleans up. */
async function scanJob(options: ScanOptions, check: (run: ScanRun) => Promise<void> | void): Promise<void> {
  const run = await runScanJob(tokens, options)
  try {
    await check(run)
  } finally {
    run.job.close()
    await run.api.close()
  }
}

const many = (n: number, finding: Finding, prefix: string): Finding[] =>
  Array.from({ length: n }, (_, i) => ({ ...finding, name: `${prefix}-${i}` }))

/** Every request to the API with the scan's path and the state query. */
const polls = (records: ApiRecord[]): ApiRecord[] => records.filter(r => POLL.test(r.path))

describe('the scan step, runner-style, against the Binarly stand-in', () => {
  test('a scan five tokens long completes; a token revoked mid-poll costs one 401 and one renewal; findings over several pages all count; an older image is compared, not gated; the gate passes', async () => {
    // 13 remediated and 10 rejected (three pages of 10); the older image had 'new' findings, which must not
    // count for this image, and shares 5 of the remediated ones.
    const findings = [
      ...many(13, { issueStatus: 'remediated', severity: 'high' }, 'cve-a'),
      ...many(10, { issueStatus: 'rejected', severity: 'low' }, 'cve-b')
    ]
    const older = [
      ...many(5, { issueStatus: 'remediated', severity: 'high' }, 'cve-a'),
      ...many(4, { issueStatus: 'new', severity: 'critical' }, 'old')
    ]
    await scanJob(
      { scanMs: 25_000, findings, revokeMidPoll: true, api: { previousImage: { name: 'bios-0.9', findings: older } } },
      async run => {
        const { scan, api } = run
        assert.equal(scan.code, 0, `${scan.stdout}\n${scan.stderr}`)
        assert.match(scan.stdout, /Scan [0-9A-Z]{26}: completed after \d+ s/)
        assert.match(scan.stdout, /passed: no finding with issue status new or inProgress, any severity\./)
        const image = [...api.images.values()].find(i => i.name === 'bios.bin')
        assert.ok(image, 'no image was uploaded')
        assert.equal(api.stateOf(image.scan), 'completed')
        assert.equal(image.bytes, 64 * 1024)
        assert.equal(image.version, '1.0.0')
        assertRenewedOnce(run, tokens)
        // The bytes went once, to the storage host, without the bearer token; every poll asked ?status=true.
        assert.deepEqual(
          api.records.filter(r => r.authorizationOnUpload !== undefined).map(r => [r.authorizationOnUpload, r.status]),
          [[false, 200]]
        )
        assert.ok(polls(api.records).length >= 3)
        const [imageId] = [...api.images].find(([, i]) => i === image) ?? []
        assert.deepEqual(
          {
            ...scan.outputs,
            'product-id': scan.outputs['product-id']?.length,
            'previous-image-id': scan.outputs['previous-image-id']?.length
          },
          {
            'product-id': 26,
            'image-id': imageId,
            'scan-id': image.scan.id,
            'scan-state': 'completed',
            'findings-new': '0',
            'findings-in-progress': '0',
            'findings-remediated': '13',
            'findings-rejected': '10',
            'findings-critical': '0',
            'findings-high': '13',
            'findings-medium': '0',
            'findings-low': '10',
            'findings-informational': '0',
            'previous-image-id': 26,
            'compared-resolved': '4',
            'compared-unchanged': '5',
            'compared-new': '18',
            'findings-failing': '0'
          }
        )
        assert.match(run.summary, /\| Findings by status \| new 0, inProgress 0, remediated 13, rejected 10 \|/)
        assert.match(run.summary, /4 resolved, 5 unchanged, 18 new/)
        assert.match(run.summary, /\*\*Binarly scan [0-9A-Z]{26} passed\*\*/)
        await assertCleanEnd(run, token => tokens.introspect(token), CLIENTS.post.secret)
      }
    )
  })

  test('findings whose status and severity the gate names fail the job, counted over every page and named (bounded); a product is created by name; a 401 to a still-valid token costs one renewal', async () => {
    const findings = [
      ...many(12, { issueStatus: 'new', severity: 'high' }, 'cve-new'),
      ...many(3, { issueStatus: 'new', severity: 'low' }, 'cve-low'),
      { issueStatus: 'inProgress' as const, severity: 'critical' as const, name: 'cve-triaged' }
    ]
    let polled = 0
    await scanJob(
      {
        scanMs: 3000,
        findings,
        inputs: {
          'product-id': '',
          'product-name': 'gateway-firmware',
          'fail-on-status': 'new',
          'fail-on-severity': 'critical,high'
        },
        api: { refuse: r => POLL.test(r.path) && ++polled === 2 }
      },
      async run => {
        const { scan } = run
        assert.equal(scan.code, 1, `${scan.stdout}\n${scan.stderr}`)
        assert.equal(scan.errors.length, 1, scan.errors.join('\n'))
        assert.match(
          scan.errors[0] ?? '',
          /^binarly-m2m-auth: Binarly scan [0-9A-Z]{26} failed: 12 finding\(s\) with issue status new, severity critical or high: F-\w+-0 \(high\) cve-new-0; .*; and 2 more\.$/
        )
        assert.equal(scan.outputs['findings-failing'], '12')
        assert.equal(scan.outputs['findings-new'], '15')
        assert.equal(scan.outputs['compared-new'], '')
        assert.match(scan.stdout, /^Created product [0-9A-Z]{26}: set product-id: [0-9A-Z]{26} for the next scans/m)
        assert.deepEqual(
          [...run.api.products.values()].map(p => p.name),
          ['router-firmware', 'gateway-firmware']
        )
        assert.equal(run.summary.match(/^\| F\\-\w+\\-\d+ \| high \| cve\\-new\\-\d+ \|$/gm)?.length, 10)
        assert.match(run.summary, /none: the first image of this product/)
        assert.match(run.summary, /and 2 more\./)
        assert.match(run.summary, /\*\*Binarly scan [0-9A-Z]{26} failed\*\*/)
        // The refused token was still valid; the agent renewed it once, and the poll went on.
        assert.equal(run.refused.length, 1)
        assert.equal(scan.stdout.match(/the token was refused; getting a new one/g)?.length, 1)
        await assertCleanEnd(run, token => tokens.introspect(token), CLIENTS.post.secret)
      }
    )
  })
})

/** A refusal: one error, which `pattern` matches, and nothing of the answer acted on (no runner command, no request with it). */
function assertRefused(run: ScanRun, pattern: RegExp): void {
  const { scan } = run
  assert.equal(scan.code, 1, `${scan.stdout}\n${scan.stderr}`)
  assert.equal(scan.errors.length, 1, scan.errors.join('\n'))
  assert.match(scan.errors[0] ?? '', pattern)
  for (const line of `${scan.stdout}\n${scan.stderr}`.split('\n')) {
    assert.ok(!/^::(error title=x|add-mask::passed)/.test(line), `a runner command from the server: ${line}`)
    assert.ok(!line.includes('##['), line)
  }
  assert.deepEqual(
    scan.masks.filter(mask => mask === 'passed'),
    []
  )
  for (const record of run.api.records)
    assert.match(record.path, /^[\w/:.-]+$/, 'a request went to a path from a hostile answer')
}

const ULID_X = '01ARZ3NDEKTSV4RRFFQ69G5FAV'

describe('the scan step refuses hostile answers of the API: one readable error, nothing sent elsewhere', () => {
  const cases: [string, NonNullable<ScanOptions['api']>['tamper'], RegExp, boolean][] = [
    [
      'a line break and curl options in the upload URL',
      { uploadUrl: url => `${url}\nupload-file = /etc/passwd\noutput = pwned` },
      /^binarly-m2m-auth: Getting an upload URL: Binarly's answer is not one absolute https: or http: URL without credentials, and nothing was sent to it: ".*\\nupload-file = \/etc\/passwd\\noutput = pwned"$/,
      false
    ],
    [
      'a file: upload URL',
      { uploadUrl: () => 'file:///etc/passwd' },
      /nothing was sent to it: "file:\/\/\/etc\/passwd"$/,
      false
    ],
    [
      'an image id with a line break and runner commands',
      { imageId: `${ULID_X}\n::error title=x::injected\n::add-mask::passed` },
      /^binarly-m2m-auth: Finishing the upload: the image id in the answer is not a Binarly id \(a 26-character ULID\): "01ARZ3NDEKTSV4RRFFQ69G5FAV\\n::error title=x::injected\\n::add-mask::passed"$/,
      true
    ],
    [
      'a scan id with a glob',
      { scanId: `S[1-3]${ULID_X.slice(6)}` },
      /the scan id in the answer is not a Binarly id/,
      true
    ],
    [
      'an image id of Markdown image syntax',
      { imageId: '![x](https://attacker.example/pixel.png)' },
      /the image id in the answer is not a Binarly id .*"!\[x\]\(https:\/\/attacker\.example\/pixel\.png\)"$/,
      true
    ],
    [
      'a created product id with a line break',
      { productId: `products/${ULID_X}\n::add-mask::passed` },
      /^binarly-m2m-auth: Creating product: the product id in the answer is not a Binarly id/,
      false
    ]
  ]
  for (const [name, tamper, pattern, uploaded] of cases) {
    test(name, () =>
      scanJob(
        {
          scanMs: 1000,
          findings: [],
          api: { tamper },
          ...(tamper?.productId ? { inputs: { 'product-id': '', 'product-name': 'new-firmware' } } : {})
        },
        run => {
          assertRefused(run, pattern)
          const puts = run.api.records.filter(r => r.authorizationOnUpload !== undefined)
          assert.equal(puts.length, uploaded ? 1 : 0)
          // The summary says what went wrong, inert: no HTML, image, link or line made from the answer.
          assert.match(run.summary, /^### Binarly scan: not completed\n/)
          assert.doesNotMatch(run.summary, /<|!\[|\]\(|\n::|\n>? *upload-file/)
          assert.equal(run.summary.trim().split('\n').length, 5)
        }
      )
    )
  }

  test('an answer without an upload URL', () =>
    scanJob(
      { scanMs: 1000, findings: [], api: { tamper: { uploadUrl: () => undefined as unknown as string } } },
      run => {
        assertRefused(run, /nothing was sent to it: nothing$/)
        assert.equal(run.api.records.filter(r => r.authorizationOnUpload !== undefined).length, 0)
      }
    ))

  test('an http: upload URL without allow-http', () =>
    scanJob({ scanMs: 1000, findings: [], inputs: { 'allow-http': 'false' } }, run => {
      assertRefused(
        run,
        /nothing was sent to it: "http:\/\/127\.0\.0\.2:\d+\/upload\/.*" \(an http: URL needs allow-http: true\)$/
      )
      assert.equal(run.api.records.filter(r => r.authorizationOnUpload !== undefined).length, 0)
    }))
})

describe('the scan step within its limits', () => {
  test('a retried PUT whose upload URL expired meanwhile gets a new URL, and the image goes whole', () =>
    scanJob({ scanMs: 1000, findings: [], api: { failUploads: 1, uploadUrlMs: 600 } }, run => {
      assert.equal(run.scan.code, 0, run.scan.stdout + run.scan.stderr)
      const puts = run.api.records.filter(r => r.authorizationOnUpload !== undefined).map(r => r.status)
      assert.deepEqual(puts, [503, 403, 200])
      assert.equal(run.api.records.filter(r => r.path.endsWith('tempFiles:generateUploadUrl')).length, 2)
      assert.match(
        run.scan.stdout,
        /The upload URL was refused \(HTTP 403\) on a retried PUT, so it may have expired: asking for a new one\./
      )
      assert.equal([...run.api.images.values()][0]?.bytes, 64 * 1024)
    }))

  test('an upload URL refused on the first PUT is not asked for again', () =>
    scanJob({ scanMs: 1000, findings: [], api: { uploadUrlMs: 1 } }, run => {
      assertRefused(
        run,
        /^binarly-m2m-auth: Uploading the image: HTTP 403\. The storage said: the upload URL has expired\.$/
      )
      assert.equal(run.api.records.filter(r => r.path.endsWith('tempFiles:generateUploadUrl')).length, 1)
    }))

  test('images:upload, which creates an image and starts a scan, is not repeated once it may have reached the server', () =>
    scanJob(
      { scanMs: 1000, findings: [], inputs: { timeout: '2' }, api: { hang: r => r.path.endsWith('/images:upload') } },
      run => {
        assertRefused(
          run,
          /^binarly-m2m-auth: Finishing the upload: network error talking to 127\.0\.0\.1:\d+: no complete answer within/
        )
        assert.equal(run.api.records.filter(r => r.path.endsWith('/images:upload')).length, 1)
      }
    ))

  test('an API that never answers the poll: scan-timeout holds', () =>
    scanJob(
      { scanMs: 60_000, findings: [], inputs: { 'scan-timeout': '3' }, api: { hang: r => POLL.test(r.path) } },
      run => {
        assertRefused(run, /^binarly-m2m-auth: Checking scan [0-9A-Z]{26}: .*no complete answer within/)
        assert.ok(run.scan.elapsedMs < 20_000, `the step ran ${run.scan.elapsedMs} ms with scan-timeout 3`)
      }
    ))

  test('a scan with no state until scan-timeout, and one that stays no_scans, end with what Binarly says to do', async () => {
    await scanJob(
      { scanMs: 60_000, findings: [], inputs: { 'scan-timeout': '2' }, api: { tamper: { state: '' } } },
      run =>
        assertRefused(
          run,
          /Scan [0-9A-Z]{26} is still \(no state\) after 2 s \(scan-timeout\): raise it for big images/
        )
    )
    await scanJob(
      { scanMs: 60_000, findings: [], inputs: { 'scan-timeout': '2' }, api: { tamper: { state: 'no_scans' } } },
      run => assertRefused(run, /is still no_scans \(no_scans: Binarly says to check the upload\) after 2 s/)
    )
  })

  test('a total larger than the pages hold: the comparison stops at the first empty page, the gate counts the total', () =>
    scanJob(
      {
        scanMs: 1000,
        findings: [{ issueStatus: 'remediated', name: 'cve-1' }],
        api: { previousImage: { name: 'bios-0.9', findings: [] }, tamper: { extraTotal: 2 } }
      },
      run => {
        assertRefused(run, /failed: 2 finding\(s\) with issue status new or inProgress, any severity\.$/)
        assert.deepEqual(
          [
            run.scan.outputs['compared-resolved'],
            run.scan.outputs['compared-unchanged'],
            run.scan.outputs['compared-new']
          ],
          ['0', '0', '1']
        )
      }
    ))

  test('a scan that ends failed fails the step, with no findings counted', () =>
    scanJob({ scanMs: 1500, findings: [{ issueStatus: 'new' }], api: { finalState: 'failed' } }, run => {
      assertRefused(run, /Binarly scan [0-9A-Z]{26} failed: the scan ended failed, so no finding was counted/)
      assert.equal(run.scan.outputs['scan-state'], 'failed')
      assert.equal(run.scan.outputs['findings-failing'], '')
      assert.match(run.summary, /\*\*Binarly scan [0-9A-Z]{26} failed\*\*/)
    }))

  test('without the token agent (no token-command: true), one error says what to add', () =>
    scanJob({ scanMs: 1000, findings: [], tokenCommand: false }, run => {
      assertRefused(
        run,
        /^binarly-m2m-auth: the scan step takes its tokens from the job's token agent, and there is none: add token-command: true to the binarly-m2m-auth sign-in step/
      )
      assert.deepEqual(run.api.records, [])
    }))

  test('api-url empty with an Auth URL that is not Binarly SaaS: one error, no request', () =>
    scanJob({ scanMs: 1000, findings: [], inputs: { 'api-url': '' } }, run => {
      assertRefused(
        run,
        /^binarly-m2m-auth: api-url: is empty, and it can be derived only from a Binarly SaaS Auth URL/
      )
      assert.deepEqual(run.api.records, [])
    }))
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
