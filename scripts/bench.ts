/**
 * `npm run bench`: start-up cost of the action, as benchmarks (not timed tests; these machines are noisy).
 *
 * Builds the bundles of the current src/ into .cache/bench/dist (as `npm run bundle` would build dist/), and
 * a minimal action that does the same token POST with the same two packages (@actions/core,
 * @actions/http-client), bundled by ncc the same way. Then, in interleaved rounds, under Node 24 and under
 * Node 20 (the first `node` on PATH that is Node 20, or BENCH_NODE20), it runs as the runner runs them,
 * each against the same loopback oidc-provider:
 *   - `node -e ''`: Node's own start, the floor;
 *   - the minimal action;
 *   - watermelonjam/oauth-client-credentials-action's committed dist/ (discovery + POST, old toolkit), when
 *     BENCH_PEER names a local copy: its git directory (`fetch github:watermelonjam/oauth-client-credentials-action`
 *     puts one in /work/.mirror) or a checkout; skipped with a note otherwise, never vendored;
 *   - the main step (client_secret_post, no proxy, no CA, no share);
 *   - the post step with nothing to revoke (a shared token).
 * Prints medians (spawn to exit) and ratios, the goals, bundle sizes, then the matrix figure (BENCH_MATRIX=0
 * skips it). BENCH_ROUNDS sets the rounds (default 21).
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { median } from '../__tests__/support/matrix.ts'
import { CLIENTS, startOidcServer } from '../__tests__/support/oidc-server.ts'
import { benchMatrix, matrixTable } from './bench-matrix.ts'
import { buildMinimalAction } from './minimal-action.ts'
import { NODE24, ROOT, runStep, type StepOptions, type StepResult } from '../__tests__/support/runner.ts'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21)
const work = join(ROOT, '.cache/bench')
const dist = join(work, 'dist')
mkdirSync(work, { recursive: true })

const minimal = buildMinimalAction(work, ['--minify'])
execFileSync(process.execPath, [join(ROOT, 'scripts/bundle.mjs'), '--out', dist], { cwd: ROOT, stdio: 'inherit' })

/** The first Node 20 on PATH (outside npm scripts that is the system's `node`), or BENCH_NODE20. */
function findNode20(): string | undefined {
  const candidates = [
    process.env.BENCH_NODE20,
    ...(process.env.PATH ?? '').split(delimiter).map(dir => join(dir, 'node'))
  ]
  for (const candidate of candidates) {
    if (!candidate || !existsSync(candidate)) continue
    try {
      if (execFileSync(candidate, ['--version']).toString().startsWith('v20.')) return candidate
    } catch {
      // not a runnable node
    }
  }
  return undefined
}

/** watermelonjam's dist/ and package.json, copied out of BENCH_PEER (a git directory or a checkout). */
function peerAction(): { script: string } | { skipped: string } {
  const source = process.env.BENCH_PEER
  const note =
    'set BENCH_PEER to a local copy of watermelonjam/oauth-client-credentials-action (its git directory or a checkout) to compare with it'
  if (!source) return { skipped: note }
  const dir = join(work, 'peer')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, 'dist'), { recursive: true })
  if (existsSync(join(source, 'dist/index.js'))) {
    for (const file of ['dist/index.js', 'package.json']) copyFileSync(join(source, file), join(dir, file))
  } else {
    const git = (...args: string[]): string => execFileSync('git', ['--git-dir', source, ...args]).toString()
    const files = git('ls-tree', '--name-only', 'HEAD', 'dist/').split('\n').filter(Boolean)
    if (!files.includes('dist/index.js')) return { skipped: `${source} holds no dist/index.js; ${note}` }
    // Its package.json (no "type") makes dist/index.js CommonJS, as in its repository.
    for (const file of [...files, 'package.json']) writeFileSync(join(dir, file), git('show', `HEAD:${file}`))
  }
  return { script: join(dir, 'dist/index.js') }
}

interface Variant {
  name: string
  run(node: string): Promise<StepResult>
  /** Whether the run did its job: a run that failed would measure nothing. */
  ok(result: StepResult): boolean
}

const server = await startOidcServer()
const tokenInputs = {
  'auth-url': server.tokenEndpoint,
  'client-id': CLIENTS.post.id,
  'client-secret': CLIENTS.post.secret
}
const gotToken = (result: StepResult): boolean => result.code === 0 && Boolean(result.outputs['access-token'])
const step = (
  name: string,
  which: 'main' | 'post',
  inputs: Record<string, string>,
  options: StepOptions,
  ok: Variant['ok']
): Variant => ({ name, run: node => runStep(which, inputs, { ...options, node }), ok })

const peer = peerAction()
const variants: Variant[] = [
  step("node -e ''", 'main', {}, { argv: ['-e', ''] }, result => result.code === 0),
  step('minimal action', 'main', tokenInputs, { script: minimal }, gotToken),
  ...('script' in peer
    ? [
        step(
          'watermelonjam dist/',
          'main',
          { issuer: server.issuer, clientId: CLIENTS.basic.id, clientSecret: CLIENTS.basic.secret, scope: '' },
          { script: peer.script },
          result => result.code === 0 && Boolean(result.outputs.access_token)
        )
      ]
    : []),
  step('main step', 'main', { ...tokenInputs, revoke: 'false' }, { fromDist: dist }, gotToken),
  step(
    'post step, nothing to revoke',
    'post',
    tokenInputs,
    { fromDist: dist, state: { token: 'a-shared-token', shared: 'true' } },
    result => result.code === 0 && result.stdout.includes('Revocation skipped') && result.warnings.length === 0
  )
]

const node20 = findNode20()
const nodes: [string, string][] = [[NODE24, execFileSync(NODE24, ['--version']).toString().trim()]]
if (node20) nodes.push([node20, execFileSync(node20, ['--version']).toString().trim()])
const times = new Map<string, number[]>()
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [node, version] of nodes) {
      for (const variant of variants) {
        const result = await variant.run(node)
        if (!variant.ok(result)) {
          throw new Error(
            `benchmark run of ${variant.name} under ${version} failed (exit ${result.code}): ${result.stderr}`
          )
        }
        const key = `${version}\t${variant.name}`
        times.set(key, [...(times.get(key) ?? []), result.elapsedMs])
      }
    }
  }
} finally {
  await server.close()
}

const medianOf = (version: string, name: string): number => median(times.get(`${version}\t${name}`) ?? [])
const spread = (values: number[]): string => {
  const sorted = [...values].sort((a, b) => a - b)
  const quartile = (q: number): number => sorted[Math.floor(q * (sorted.length - 1))] ?? 0
  return `${quartile(0.25).toFixed(0)}–${quartile(0.75).toFixed(0)}`
}
console.log(`Cold start, ${ROUNDS} interleaved rounds, spawn to exit, medians (one POST to a loopback oidc-provider):`)
if ('skipped' in peer) console.log(`\nwatermelonjam/oauth-client-credentials-action skipped: ${peer.skipped}.`)
for (const [, version] of nodes) {
  const minimal = medianOf(version, 'minimal action')
  const floor = medianOf(version, "node -e ''")
  console.log(
    `\nNode ${version}\n\n| run | median ms | middle half | vs minimal action | vs node -e '' |\n|---|---:|---:|---:|---:|`
  )
  for (const variant of variants) {
    const m = medianOf(version, variant.name)
    const values = times.get(`${version}\t${variant.name}`) ?? []
    console.log(
      `| ${variant.name} | ${m.toFixed(1)} | ${spread(values)} | ${(m / minimal).toFixed(2)}× | ${(m / floor).toFixed(2)}× |`
    )
  }
}
if (!node20) console.log('\nNo Node 20 found on PATH (set BENCH_NODE20 to its path): Node 20 not measured.')

const [, v24] = nodes[0] ?? []
if (v24) {
  const mainRatio = medianOf(v24, 'main step') / medianOf(v24, 'minimal action')
  const postRatio = medianOf(v24, 'post step, nothing to revoke') / medianOf(v24, "node -e ''")
  console.log(`\nGoals (Node ${v24}):`)
  console.log(`- main step ≤ 1.00× the minimal action (moonshot 0.90×): ${mainRatio.toFixed(2)}×`)
  console.log(`- post step with nothing to revoke ≤ 1.5× node -e '': ${postRatio.toFixed(2)}×`)
}
if (node20) {
  const [, v20] = nodes[1] ?? []
  if (v20) {
    const ratio = medianOf(v20, 'main step') / medianOf(v20, 'minimal action')
    console.log(`- Node ${v20}, no regression (was 1.04× the minimal action): ${ratio.toFixed(2)}×`)
  }
}

/** The JavaScript files of a directory (not licences or source maps). */
const dirSize = (dir: string): number =>
  readdirSync(dir)
    .filter(file => /\.[cm]?js$/.test(file))
    .reduce((sum, file) => sum + statSync(join(dir, file)).size, 0)
console.log('\n| bundle | bytes |\n|---|---:|')
console.log(`| minimal action | ${dirSize(join(work, 'minimal'))} |`)
if ('script' in peer) console.log(`| watermelonjam dist/ | ${dirSize(join(work, 'peer/dist'))} |`)
for (const entry of readdirSync(dist)) {
  const files = readdirSync(join(dist, entry)).filter(file => file.endsWith('.js'))
  const chunks = files.filter(file => file !== 'index.js').map(file => statSync(join(dist, entry, file)).size)
  console.log(
    `| ${entry}/index.js (loaded at start) | ${statSync(join(dist, entry, 'index.js')).size} |\n| ${entry}: ${chunks.length} chunks loaded on demand | ${chunks.reduce((a, b) => a + b, 0)} |`
  )
}

if (process.env.BENCH_MATRIX !== '0') {
  const jobs = Number(process.env.BENCH_MATRIX ?? 32)
  console.log(`\nA matrix of ${jobs} jobs (plus the auth job), against the same kind of server:\n`)
  console.log(matrixTable(await benchMatrix(jobs, dist)))
}
