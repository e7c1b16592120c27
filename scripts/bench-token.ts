/**
 * `npm run bench:token` (also the last part of `npm run bench`): the two figures of binarly-token, as
 * benchmarks (medians of interleaved runs; these machines are noisy), under the runners' Node 24:
 *
 * 1. A cached call (the agent holds a valid token): wall time of `binarly-token` (the sh script, as a step
 *    runs it) against `node -e ''`. Goal: at most 1.5 times.
 * 2. 16 concurrent calls when the token runs low: how many token requests reach the server. Goal: 1.
 * 3. A 60-minute Binarly scan compressed 60 times (a 60 s scan, 30 s tokens, min-validity 2 s, a poll a
 *    second, one token revoked at the server 15 s into the polling): the scan step (scan/action.yml) against the
 *    Binarly stand-in, from the main step to the post step. Goal: token requests at most
 *    ceil(scan / token life) + 1 = 3, the revocation's renewal included.
 *
 * Runs the test bundles of the current src/ (npm run bundle:test) in runner-style jobs against the loopback
 * oidc-provider.
 */
import { spawn, spawnSync } from 'node:child_process'
import { median } from '../__tests__/support/matrix.ts'
import { startJob, type Job } from '../__tests__/support/job.ts'
import { CLIENTS, startOidcServer, type OidcServer } from '../__tests__/support/oidc-server.ts'
import { NODE24 } from '../__tests__/support/runner.ts'
import { runScanJob } from '../__tests__/support/scan-job.ts'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30)
const BURSTS = Number(process.env.BENCH_BURSTS ?? 3)

/** A job whose main step started the agent, against a server issuing tokens for `ttl` seconds. */
async function withJob(ttl: number, body: (job: Job, command: string, server: OidcServer) => Promise<void> | void) {
  const server = await startOidcServer({ ttl })
  const job = startJob()
  const inputs = {
    'auth-url': server.issuer,
    'client-id': CLIENTS.post.id,
    'client-secret': CLIENTS.post.secret,
    'token-command': 'true',
    'min-validity': '2'
  }
  try {
    const main = await job.main(inputs)
    if (main.code !== 0) throw new Error(`the main step failed: ${main.stdout}${main.stderr}`)
    await body(job, main.outputs['token-command'] ?? '', server)
    const post = await job.post(inputs)
    if (post.code !== 0) throw new Error(`the post step failed: ${post.stdout}${post.stderr}`)
  } finally {
    job.close()
    await server.close()
  }
}

const envOf = (job: Job): NodeJS.ProcessEnv => ({ ...process.env, ...job.env })

// 1. Cached calls against node -e '' (tokens live 30 minutes here: no call exchanges).
await withJob(1800, (job, command) => {
  const env = envOf(job)
  const times = { "node -e ''": [] as number[], 'binarly-token (cached)': [] as number[] }
  const timed = (file: string, args: string[]): number => {
    const start = performance.now()
    const result = spawnSync(file, args, { env, encoding: 'utf8' })
    const took = performance.now() - start
    if (result.status !== 0) throw new Error(`${file} failed: ${result.stderr}`)
    return took
  }
  timed(command, [])
  for (let round = 0; round < ROUNDS; round++) {
    times["node -e ''"].push(timed(NODE24, ['-e', '']))
    times['binarly-token (cached)'].push(timed(command, []))
  }
  const base = median(times["node -e ''"])
  const version = spawnSync(NODE24, ['--version'], { encoding: 'utf8' }).stdout.trim()
  console.log(`binarly-token under Node ${version}, ${ROUNDS} interleaved rounds, medians (goal: at most 1.5×):\n`)
  console.log("| run | median ms | vs node -e '' |\n|---|---:|---:|")
  for (const [name, values] of Object.entries(times)) {
    console.log(`| ${name} | ${median(values).toFixed(1)} | ${(median(values) / base).toFixed(2)}× |`)
  }
})

// 2. 16 concurrent calls once the token has less than min-validity (2 s) left of its 5 s: token requests.
await withJob(5, async (job, command, server) => {
  const env = envOf(job)
  console.log(
    '\n16 concurrent calls when the token runs low (goal: 1 token request):\n\n| burst | token requests | distinct tokens printed |\n|---|---:|---:|'
  )
  let expiresAt = Date.now() + 5000
  for (let burst = 1; burst <= BURSTS; burst++) {
    const wait = expiresAt - 1500 - Date.now()
    if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
    const before = server.tokenRequests().length
    const printed = await Promise.all(
      Array.from(
        { length: 16 },
        () =>
          new Promise<string>((resolve, reject) => {
            const child = spawn(command, [], { env, stdio: ['ignore', 'pipe', 'ignore'] })
            let out = ''
            child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
            child.on('close', code => (code === 0 ? resolve(out.trim()) : reject(new Error(`exit ${code}`))))
          })
      )
    )
    expiresAt = Date.now() + 5000
    console.log(`| ${burst} | ${server.tokenRequests().length - before} | ${new Set(printed).size} |`)
  }
})

// 3. A compressed 60-minute scan with one revocation: token requests from the main step to the post step.
{
  const SCAN_S = Number(process.env.BENCH_SCAN_SECONDS ?? 60)
  const TTL_S = 30
  const server = await startOidcServer({ ttl: TTL_S })
  let firstPoll = 0
  const run = await runScanJob(
    {
      inputs: { 'auth-url': server.issuer, 'client-id': CLIENTS.post.id, 'client-secret': CLIENTS.post.secret },
      introspect: token => server.introspect(token),
      revoke: async token => {
        await fetch(server.revocationEndpoint, {
          method: 'POST',
          body: new URLSearchParams({ token, client_id: CLIENTS.post.id, client_secret: CLIENTS.post.secret })
        })
      },
      tokenRequestTimes: () => server.tokenRequests().map(r => r.at)
    },
    {
      scanMs: SCAN_S * 1000,
      findings: [{ issueStatus: 'remediated' }],
      revokeWhen: record => {
        firstPoll ||= record.at
        return record.at - firstPoll >= 15_000
      }
    }
  )
  try {
    if (run.scan.code !== 0 || run.post.code !== 0) {
      throw new Error(`the scan job failed:\n${run.scan.stdout}${run.scan.stderr}${run.post.stdout}${run.post.stderr}`)
    }
    const requests = server.tokenRequests().length
    const goal = Math.ceil(SCAN_S / TTL_S) + 1
    const seen = new Set(run.api.records.flatMap(r => (r.token ? [r.token] : [])))
    console.log(
      `\nA ${SCAN_S} s scan (a ${SCAN_S}-minute one compressed 60×), ${TTL_S} s tokens, min-validity 2 s, one token revoked mid-scan (goal: at most ceil(scan / token life) + 1 = ${goal} token requests):\n`
    )
    console.log('| token requests | tokens the API saw | 401 answers | goal | met |\n|---:|---:|---:|---:|---|')
    console.log(
      `| ${requests} | ${seen.size} | ${run.refused.length} | ≤ ${goal} | ${requests <= goal ? 'yes' : 'NO'} |`
    )
  } finally {
    run.job.close()
    await run.api.close()
    await server.close()
  }
}
