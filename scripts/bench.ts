/**
 * `npm run bench`: start-up cost of the action, as benchmarks (not timed tests; these machines are noisy).
 * Interleaves, under Node 24, cold runs of: `node -e ''`; a minimal action that uses the same two packages
 * (@actions/core, @actions/http-client) for one token POST, bundled by ncc the same way; and dist/main
 * against the same loopback oidc-provider. Prints medians, ratios and bundle sizes; then the matrix figure.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { median } from '../__tests__/support/matrix.ts'
import { CLIENTS, startOidcServer } from '../__tests__/support/oidc-server.ts'
import { benchMatrix, matrixTable } from './bench-matrix.ts'
import { NODE24, ROOT, runStep, type StepResult } from '../__tests__/support/runner.ts'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15)
const work = join(ROOT, '.cache/bench')
mkdirSync(work, { recursive: true })

/** The baseline: what any action doing one POST with the toolkit costs. */
const MINIMAL = `import * as core from '@actions/core'
import { HttpClient } from '@actions/http-client'
const client = new HttpClient('minimal')
const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: core.getInput('client-id'), client_secret: core.getInput('client-secret') }).toString()
const res = await client.post(core.getInput('auth-url'), body, { 'content-type': 'application/x-www-form-urlencoded' })
const json = JSON.parse(await res.readBody())
core.setSecret(json.access_token)
core.setOutput('access-token', json.access_token)
`
writeFileSync(join(work, 'minimal.mjs'), MINIMAL)
execFileSync(
  process.execPath,
  [
    join(ROOT, 'node_modules/@vercel/ncc/dist/ncc/cli.js'),
    'build',
    join(work, 'minimal.mjs'),
    '-o',
    join(work, 'minimal'),
    '--quiet',
    '--minify'
  ],
  { cwd: ROOT, stdio: 'inherit' }
)

const dirSize = (dir: string): number => readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0)

const minimal = join(work, 'minimal/index.mjs')
/** A run that failed would measure nothing: stop the benchmark instead. */
async function checked(run: Promise<StepResult>): Promise<void> {
  const result = await run
  if (result.code !== 0 || !result.outputs['access-token']) throw new Error(`benchmark run failed: ${result.stderr}`)
}

const server = await startOidcServer()
const inputs = { 'auth-url': server.tokenEndpoint, 'client-id': CLIENTS.post.id, 'client-secret': CLIENTS.post.secret }
const times: Record<string, number[]> = { "node -e ''": [], 'minimal action': [], 'dist/main': [] }
try {
  const timed = async (fn: () => unknown): Promise<number> => {
    const start = performance.now()
    await fn()
    return performance.now() - start
  }
  for (let round = 0; round < ROUNDS; round++) {
    times["node -e ''"]?.push(await timed(() => spawnSync(NODE24, ['-e', ''])))
    times['minimal action']?.push(await timed(() => checked(runStep('main', inputs, { script: minimal }))))
    times['dist/main']?.push(
      await timed(() => checked(runStep('main', { ...inputs, revoke: 'false' }, { fromDist: true })))
    )
  }
} finally {
  await server.close()
}

const base = median(times['minimal action'] ?? [])
console.log(
  `Cold start under Node ${execFileSync(NODE24, ['--version']).toString().trim()}, ${ROUNDS} interleaved rounds, medians:\n`
)
console.log('| run | median ms | vs minimal action |\n|---|---:|---:|')
for (const [name, values] of Object.entries(times)) {
  const m = median(values)
  console.log(`| ${name} | ${m.toFixed(1)} | ${name === "node -e ''" ? '' : `${((m / base) * 100).toFixed(0)} %`} |`)
}
console.log('\n| bundle | bytes |\n|---|---:|')
console.log(`| minimal action | ${dirSize(join(work, 'minimal'))} |`)
console.log(`| dist/main (all files) | ${dirSize(join(ROOT, 'dist/main'))} |`)
console.log(`| dist/post (all files) | ${dirSize(join(ROOT, 'dist/post'))} |`)
console.log('\nAim: dist/main at most 110 % of the minimal action.')

console.log('\nA matrix of 32 jobs (plus the auth job), against the same kind of server:\n')
console.log(matrixTable(await benchMatrix(Number(process.env.BENCH_MATRIX ?? 32))))
