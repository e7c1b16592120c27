/**
 * `node --import tsx scripts/module-times.ts [runs]`: which modules a step loads at start, and how long each
 * takes, for docs/cold-start.md. Builds the main and post steps and the minimal action of the benchmark
 * without minification (so modules keep their names, from ncc's --stats-out), times every module factory
 * that webpack's require runs (its own time, and with what it requires), runs each bundle `runs` times
 * (default 7) as the runner would against a loopback oidc-provider, and prints the medians.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { median } from '../__tests__/support/matrix.ts'
import { CLIENTS, startOidcServer } from '../__tests__/support/oidc-server.ts'
import { ROOT, runStep } from '../__tests__/support/runner.ts'
import { buildMinimalAction } from './minimal-action.ts'

const RUNS = Number(process.argv[2] ?? 7)
const work = join(ROOT, '.cache/module-times')
rmSync(work, { recursive: true, force: true })
mkdirSync(work, { recursive: true })

const ncc = join(ROOT, 'node_modules/@vercel/ncc/dist/ncc/cli.js')
const FACTORY_CALL = '__webpack_modules__[moduleId](module, module.exports, __nccwpck_require__);'

/** Wraps webpack's module factory call with a timer; the times go to the file MODULE_TIMES names. */
function instrument(bundle: string): void {
  const code = readFileSync(bundle, 'utf8')
  if (!code.includes(FACTORY_CALL)) throw new Error(`${bundle}: no module factory call to time (ncc changed?)`)
  const timed = `{ const t0 = performance.now(); globalThis.__stack.push(0)
    try { ${FACTORY_CALL} } finally {
      const total = performance.now() - t0, nested = globalThis.__stack.pop()
      globalThis.__times.push([moduleId, total, total - nested])
      if (globalThis.__stack.length) globalThis.__stack[globalThis.__stack.length - 1] += total } }`
  const prologue = `import { writeFileSync as __write } from 'node:fs'
globalThis.__stack = []; globalThis.__times = []; const __started = performance.now()
process.on('exit', () => __write(process.env.MODULE_TIMES, JSON.stringify({ started: __started, exit: performance.now(), times: globalThis.__times })))
`
  writeFileSync(bundle, prologue + code.replace(FACTORY_CALL, timed))
}

interface Subject {
  name: string
  script: string
  stats: string
  step: 'main' | 'post'
}

const subjects: Subject[] = []
for (const step of ['main', 'post'] as const) {
  const out = join(work, step)
  const stats = join(work, `${step}-stats.json`)
  execFileSync(
    process.execPath,
    [ncc, 'build', `src/entrypoints/${step}.ts`, '-o', out, '--quiet', '--stats-out', stats],
    {
      cwd: ROOT,
      stdio: 'inherit'
    }
  )
  subjects.push({ name: `${step} step`, script: join(out, 'index.js'), stats, step })
}
const minimalStats = join(work, 'minimal-stats.json')
subjects.push({
  name: 'minimal action',
  script: buildMinimalAction(work, ['--stats-out', minimalStats]),
  stats: minimalStats,
  step: 'main'
})
for (const subject of subjects) instrument(subject.script)

const server = await startOidcServer()
const inputs = { 'auth-url': server.tokenEndpoint, 'client-id': CLIENTS.post.id, 'client-secret': CLIENTS.post.secret }
interface Timings {
  started: number
  exit: number
  times: [string | number, number, number][]
}
const results = new Map<string, Timings[]>()
try {
  for (let run = 0; run < RUNS; run++) {
    for (const subject of subjects) {
      const file = join(work, `times-${subjects.indexOf(subject)}-${run}.json`)
      const result = await runStep(
        subject.step,
        { ...inputs, revoke: 'false' },
        {
          script: subject.script,
          env: { MODULE_TIMES: file },
          state: subject.step === 'post' ? { token: 'a-shared-token', shared: 'true' } : {}
        }
      )
      if (result.code !== 0) throw new Error(`${subject.name} failed: ${result.stderr}`)
      const timings = JSON.parse(readFileSync(file, 'utf8')) as Timings
      results.set(subject.name, [...(results.get(subject.name) ?? []), timings])
    }
  }
} finally {
  await server.close()
}

for (const subject of subjects) {
  const stats = JSON.parse(readFileSync(subject.stats, 'utf8')) as { modules: { id: string | null; name: string }[] }
  const names = new Map(stats.modules.filter(m => m.id !== null).map(m => [String(m.id), m.name]))
  const runs = results.get(subject.name) ?? []
  const perModule = new Map<string, { total: number[]; own: number[] }>()
  for (const run of runs) {
    for (const [id, total, own] of run.times) {
      const entry = perModule.get(String(id)) ?? { total: [], own: [] }
      entry.total.push(total)
      entry.own.push(own)
      perModule.set(String(id), entry)
    }
  }
  const rows = [...perModule.entries()]
    .map(([id, t]) => ({ name: names.get(id) ?? id, own: median(t.own), total: median(t.total) }))
    .sort((a, b) => b.own - a.own)
  const sizes = readdirSync(join(subject.script, '..'))
    .filter(file => file.endsWith('js'))
    .map(file => readFileSync(join(subject.script, '..', file)).length)
  console.log(
    `\n${subject.name}: ${runs.length} runs, bundle code first ran at ${median(runs.map(r => r.started)).toFixed(1)} ms, exit at ${median(runs.map(r => r.exit)).toFixed(1)} ms (medians, from process start); ${rows.length} modules loaded; unminified ${sizes.reduce((a, b) => a + b, 0)} bytes\n`
  )
  console.log('| module | own ms | with what it required, ms |\n|---|---:|---:|')
  for (const row of rows.filter(r => r.own >= 0.1).slice(0, 20)) {
    console.log(`| ${row.name.replace(/^\.\//, '')} | ${row.own.toFixed(2)} | ${row.total.toFixed(2)} |`)
  }
}
