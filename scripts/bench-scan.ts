/**
 * `npm run bench:scan` (also the last part of `npm run bench`): the scan step's two figures, as benchmarks
 * (medians of interleaved runs; these machines are noisy), under the runners' Node 24:
 *
 * 1. The upload of a 1 GiB file to a loopback server that reads and drops the bytes: the scan step's PUT
 *    (scan/api.ts `put`, streamed from disk through net/transport.ts, in a Node process of its own) against
 *    `curl --upload-file` to the same server. Goals: at most 1.1× curl's time, peak RSS at most 100 MiB
 *    (/usr/bin/time's maximum resident set size, for both).
 * 2. Cold start: the test bundles of the scan step and of the main step, spawn to exit, each stopped by its
 *    input check (an image that does not exist; an empty client-id), so the figure is loading plus config;
 *    and `node -e ''`, the floor.
 *
 * BENCH_UPLOAD_MIB sets the file's size (default 1024), BENCH_UPLOAD_ROUNDS the upload rounds (default 5),
 * BENCH_ROUNDS the cold-start rounds (default 21).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { median } from '../__tests__/support/matrix.ts'
import { NODE24, ROOT, runStep } from '../__tests__/support/runner.ts'

const MIB = 1024 * 1024
const SIZE_MIB = Number(process.env.BENCH_UPLOAD_MIB ?? 1024)
const UPLOADS = Number(process.env.BENCH_UPLOAD_ROUNDS ?? 5)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21)

const dir = mkdtempSync(join(tmpdir(), 'binarly-bench-scan-'))
const file = join(dir, 'image.bin')
{
  // Random-looking bytes (no sparse file: the disk is read as for a real image).
  const fd = openSync(file, 'w')
  const chunk = Buffer.alloc(MIB)
  for (let i = 0; i < SIZE_MIB; i++) {
    chunk.fill(i % 251)
    writeSync(fd, chunk)
  }
  closeSync(fd)
}

// The step's upload in a process of its own: BinarlyClient.put as step.ts calls it, bundled like the step.
// Inside the repository, so that ncc finds its tsconfig.json.
const uploaderDir = join(ROOT, '.cache/bench-scan')
mkdirSync(uploaderDir, { recursive: true })
const uploader = join(uploaderDir, 'upload.ts')
writeFileSync(
  uploader,
  `import { BinarlyClient } from ${JSON.stringify(join(ROOT, 'src/scan/api.js'))}
import { httpTransport } from ${JSON.stringify(join(ROOT, 'src/net/transport.js'))}
import { realClock } from ${JSON.stringify(join(ROOT, 'src/net/retry.js'))}
import { statSync } from 'node:fs'
const [url = '', path = ''] = process.argv.slice(2)
const tokens = { token: async () => '', renew: async () => '', authUrl: () => undefined }
const log = { info: () => undefined, debug: () => undefined }
const limits = { timeoutMs: 600_000, retries: 0 }
const api = new BinarlyClient(new URL(url), limits, { transport: httpTransport, clock: realClock, log, tokens })
await api.put(new URL(url), { path, size: statSync(path).size }, Date.now() + 600_000, { attempts: 0 })
`
)
// Bundled by ncc as the step is (no tsx in the measured process).
execFileSync(
  process.execPath,
  [join(ROOT, 'node_modules/@vercel/ncc/dist/ncc/cli.js'), 'build', uploader, '-o', join(dir, 'uploader'), '--quiet'],
  { cwd: ROOT, stdio: 'inherit' }
)

const server = createServer((req, res) => {
  let got = 0
  req.on('data', (chunk: Buffer) => (got += chunk.length))
  req.on('end', () => res.end(got === SIZE_MIB * MIB ? 'ok' : `short: ${got}`))
})
await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload`

/** Wall time (ms) and peak RSS (KiB) of a command, by /usr/bin/time (awaited: the server runs in this process). */
async function measure(command: string[]): Promise<{ ms: number; rssKiB: number }> {
  const started = performance.now()
  const child = spawn('/usr/bin/time', ['-f', '%M', ...command], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  child.stdout.resume()
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  const ms = performance.now() - started
  if (code !== 0) throw new Error(`${command.join(' ')} failed (${code}): ${stderr}`)
  return { ms, rssKiB: Number(stderr.trim().split('\n').at(-1)) }
}

const upload = { curl: [] as { ms: number; rssKiB: number }[], step: [] as { ms: number; rssKiB: number }[] }
try {
  for (let round = 0; round < UPLOADS; round++) {
    upload.curl.push(
      await measure(['curl', '--silent', '--show-error', '--fail', '--upload-file', file, '--output', '/dev/null', url])
    )
    upload.step.push(await measure([NODE24, join(dir, 'uploader/index.js'), url, file]))
  }
} finally {
  server.close()
}

const mid = (values: number[]): number => median(values)
const curlMs = mid(upload.curl.map(r => r.ms))
const stepMs = mid(upload.step.map(r => r.ms))
const stepRss = Math.max(...upload.step.map(r => r.rssKiB)) / 1024
const curlRss = Math.max(...upload.curl.map(r => r.rssKiB)) / 1024
console.log(
  `Upload of ${SIZE_MIB} MiB to a loopback server, ${UPLOADS} interleaved rounds, medians (goal: ≤ 1.1× curl's time, peak RSS ≤ 100 MiB):\n`
)
console.log('| upload | median ms | MiB/s | peak RSS MiB (max) |\n|---|---:|---:|---:|')
console.log(
  `| curl --upload-file | ${curlMs.toFixed(0)} | ${((SIZE_MIB * 1000) / curlMs).toFixed(0)} | ${curlRss.toFixed(1)} |`
)
console.log(
  `| scan step (BinarlyClient.put) | ${stepMs.toFixed(0)} | ${((SIZE_MIB * 1000) / stepMs).toFixed(0)} | ${stepRss.toFixed(1)} |`
)
console.log(
  `\n- time: ${(stepMs / curlMs).toFixed(2)}× curl (goal ≤ 1.10×): ${stepMs / curlMs <= 1.1 ? 'met' : 'NOT met'}`
)
console.log(`- peak RSS: ${stepRss.toFixed(1)} MiB (goal ≤ 100 MiB): ${stepRss <= 100 ? 'met' : 'NOT met'}`)
rmSync(dir, { recursive: true, force: true })

// 2. Cold start: loading plus the input check, spawn to exit.
const times: Record<string, number[]> = {
  "node -e ''": [],
  'main step (empty client-id)': [],
  'scan step (no image)': []
}
for (let round = 0; round < ROUNDS; round++) {
  times["node -e ''"]?.push((await runStep('main', {}, { argv: ['-e', ''] })).elapsedMs)
  const main = await runStep('main', { 'auth-url': 'https://kc.example.com/realms/BinarlyRealm', 'client-id': '' })
  if (main.code !== 1) throw new Error(`the main step did not stop at its inputs: ${main.stdout}`)
  times['main step (empty client-id)']?.push(main.elapsedMs)
  const scan = await runStep('scan', {
    image: join(tmpdir(), 'no-such-image.bin'),
    'product-id': '01ARZ3NDEKTSV4RRFFQ69G5FAV'
  })
  if (scan.code !== 1 || !scan.stdout.includes('image: '))
    throw new Error(`the scan step did not stop at its image: ${scan.stdout}`)
  times['scan step (no image)']?.push(scan.elapsedMs)
}
const version = spawnSync(NODE24, ['--version'], { encoding: 'utf8' }).stdout.trim()
console.log(`\nCold start under Node ${version}, ${ROUNDS} interleaved rounds, spawn to exit, medians:\n`)
console.log("| run | median ms | vs node -e '' | vs main step |\n|---|---:|---:|---:|")
const floor = mid(times["node -e ''"] ?? [])
const mainMs = mid(times['main step (empty client-id)'] ?? [])
for (const [name, values] of Object.entries(times)) {
  const m = mid(values)
  console.log(`| ${name} | ${m.toFixed(1)} | ${(m / floor).toFixed(2)}× | ${(m / mainMs).toFixed(2)}× |`)
}
