/**
 * Binarly's CI job, runner-style: the main step with token-command: true, then the scan step (the bundle of
 * src/entrypoints/scan.ts, as scan/action.yml runs it, taking its tokens from the job's agent), then the post
 * step, against the Binarly API stand-in (binarly-api.ts) whose every token is introspected at the token
 * server the action uses (oidc-provider or Keycloak). Optionally revokes, at the token server, a token the job
 * is polling with, to see the step's 401 → renewal → retry. Shared by the fast suite and the Keycloak suite;
 * the assertions are the caller's.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  startBinarlyApi,
  type ApiRecord,
  type BinarlyApi,
  type BinarlyApiOptions,
  type Finding
} from './binarly-api.ts'
import { filesUnder, startJob, type Job } from './job.ts'
import { formsOf } from './leaks.ts'
import type { StepResult } from './runner.ts'

/** The token server as the scenario needs it. */
export interface TokenServer {
  /** The action's inputs for it (auth-url, client-id, client-secret). */
  inputs: Record<string, string>
  introspect(token: string): Promise<Record<string, unknown>>
  /** Revokes a token at the server, as an admin or a key rotation would end it early. */
  revoke(token: string): Promise<void>
  /** Date.now() of every token request (exchange) the server got so far. */
  tokenRequestTimes(): number[]
}

export interface ScanOptions {
  scanMs: number
  findings: Finding[]
  /** The scan step's inputs on top of the scenario's (fail-on-status, product-name, …). */
  inputs?: Record<string, string>
  /** Revoke a fresh token of the job at the server while the scan is polled. */
  revokeMidPoll?: boolean
  /**
   * Instead of revokeMidPoll's choice: revoke the token of the first successful poll this accepts (given how
   * many distinct tokens the API has seen so far, this one included, and whether this one is new).
   */
  revokeWhen?: (record: ApiRecord, tokensSeen: number, isNew: boolean) => boolean
  /** The poll interval in seconds (default 1). */
  interval?: number
  /** The stand-in's options beyond the scan and its findings (hostile answers, an older image, …). */
  api?: Partial<BinarlyApiOptions>
  /** The sign-in step's token-command (default true). */
  tokenCommand?: boolean
  /** The image's size in bytes (default 64 KiB). */
  imageBytes?: number
}

export interface ScanRun {
  job: Job
  api: BinarlyApi
  main: StepResult
  scan: StepResult
  post: StepResult
  summary: string
  /** The token revoked mid-poll, and when. */
  revoked?: { token: string; at: number }
  /** API requests refused with 401. */
  refused: ApiRecord[]
}

export const POLL = /\/scans\/[0-9A-Z]{26}$/

export async function runScanJob(server: TokenServer, options: ScanOptions): Promise<ScanRun> {
  const api = await startBinarlyApi({
    introspect: token => server.introspect(token),
    scanMs: options.scanMs,
    findings: options.findings,
    products: ['router-firmware'],
    ...options.api
  })
  const job = startJob()
  const inputs = { ...server.inputs, 'token-command': String(options.tokenCommand ?? true), 'min-validity': '2' }
  try {
    const main = await job.main(inputs)
    if (main.code !== 0) throw new Error(`the main step failed:\n${main.stdout}${main.stderr}`)
    writeFileSync(join(job.workspace, 'bios.bin'), randomBytes(options.imageBytes ?? 64 * 1024))
    const [productId] = [...api.products.keys()]

    let revoked: ScanRun['revoked']
    // By default the first poll with a token never seen before, once the job has been through a refresh: a
    // token just minted, which the agent keeps handing out for the next polls.
    const revokeWhen =
      options.revokeWhen ??
      (options.revokeMidPoll ? (r: ApiRecord, seen: number, isNew: boolean) => isNew && seen > 2 : undefined)
    const revoking = revokeWhen
      ? (async () => {
          const seen = new Set<string>()
          const record = await api.waitFor(r => {
            if (!r.token) return false
            const isNew = !seen.has(r.token)
            seen.add(r.token)
            return POLL.test(r.path) && r.status === 200 && revokeWhen(r, seen.size, isNew)
          }, options.scanMs + 20_000)
          await server.revoke(record.token ?? '')
          revoked = { token: record.token ?? '', at: Date.now() }
        })()
      : Promise.resolve()

    const scan = await job.scan(
      {
        image: 'bios.bin',
        'product-id': `products/${productId}`,
        'image-version': '1.0.0',
        'api-url': api.url,
        'allow-http': 'true',
        'poll-interval': String(options.interval ?? 1),
        'scan-timeout': '120',
        ...options.inputs
      },
      { killAfterMs: options.scanMs + 60_000 }
    )
    await revoking.catch(() => undefined)
    const post = await job.post(inputs)
    return {
      job,
      api,
      main,
      scan,
      post,
      summary: scan.summary,
      ...(revoked ? { revoked } : {}),
      refused: api.records.filter(r => r.status === 401)
    }
  } catch (error) {
    job.close()
    await api.close()
    throw error
  }
}

/** The token requests between two moments. */
export function exchangesBetween(server: TokenServer, from: number, to: number): number {
  return server.tokenRequestTimes().filter(at => at >= from && at <= to).length
}

/** Every token the job used is inactive at the server; no secret or token shows in any step's log. */
export async function assertCleanEnd(
  run: ScanRun,
  introspect: TokenServer['introspect'],
  secret: string
): Promise<void> {
  assert.equal(run.post.code, 0, run.post.stdout + run.post.stderr)
  assert.deepEqual(run.post.warnings, [])
  const used = new Set(run.api.records.flatMap(r => (r.token ? [r.token] : [])))
  used.add(run.main.outputs['access-token'] ?? '')
  for (const token of used) {
    const state = await introspect(token)
    if (!state.active) continue
    // Left to expire, not missed: the action counts a token's expiry from expires_in's whole seconds, up to a
    // second before Keycloak's exp, so in that last second the post step rightly skips a token still active.
    const exp = Number(state.exp) * 1000
    assert.ok(exp - Date.now() <= 1000, 'a token of the job is still active after the post step')
    await new Promise(resolve => setTimeout(resolve, Math.max(0, exp + 1000 - Date.now())))
    assert.equal((await introspect(token)).active, false, 'a token of the job outlived its exp')
  }
  for (const log of run.job.logs) {
    for (const form of formsOf(secret)) assert.ok(!log.text.includes(form), `the secret leaked into ${log.name}`)
  }
  // The scan step's log and every file it wrote (the main step's output and env files hold its token by
  // design), and every file left under the job's directories; each token the scan step used was masked first.
  const scanned = [run.scan.stdout, run.scan.stderr, ...Object.values(run.scan.files)].join('\n')
  const visible = scanned
    .split('\n')
    .filter(line => !line.startsWith('::add-mask::'))
    .join('\n')
  for (const token of used) {
    assert.ok(!visible.includes(token), 'a token shows in the log or a file of the scan step')
    if (token !== run.main.outputs['access-token'])
      assert.ok(run.scan.masks.includes(token) || !scanned.includes(token))
  }
  for (const file of [...filesUnder(run.job.workspace), ...filesUnder(run.job.temp)]) {
    for (const token of used) assert.ok(!file.text.includes(token), `a token was written to ${file.path}`)
  }
}

/**
 * The scan outlived several tokens (at least `tokens` distinct ones); every request but the revoked token's
 * one came with an active, unexpired token; the revoked one was refused once, and the retry of that call
 * came with a new token after exactly one exchange (the renewal).
 */
export function assertRenewedOnce(run: ScanRun, server: TokenServer, tokens = 4): void {
  const { api } = run
  const used = new Set(api.records.flatMap(r => (r.token ? [r.token] : [])))
  assert.ok(used.size >= tokens, `only ${used.size} tokens for a scan of ${tokens + 1} token lifetimes`)
  for (const record of api.records.filter(r => r.token && r.status !== 401)) {
    assert.ok(record.active && record.exp !== undefined && record.exp * 1000 > record.at, 'an expired token was sent')
  }
  assert.ok(run.revoked, 'no token was revoked mid-poll')
  assert.equal(run.refused.length, 1, `${run.refused.length} requests were refused, not just the revoked token's`)
  const [refused] = run.refused
  assert.ok(refused)
  assert.equal(refused.token, run.revoked.token)
  const retry = api.records.find(r => r.at > refused.at && r.status === 200)
  assert.ok(retry && retry.token !== refused.token && retry.path === refused.path, 'the refused call was not retried')
  assert.equal(exchangesBetween(server, refused.at, retry.at), 1, 'not exactly one renewal exchange')
  assert.equal(run.scan.stdout.match(/the token was refused; getting a new one/g)?.length, 1)
}
