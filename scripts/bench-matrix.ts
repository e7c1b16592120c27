/**
 * The matrix figure of `npm run bench`: an N-job matrix (default 32) against a loopback oidc-provider, with
 * sharing (one `share: true` job, then N jobs with its shared-token) and without (N + 1 jobs exchanging).
 * Counts the token requests the identity server saw and the median wall time of a matrix job.
 * `benchMatrix()` is for scripts/bench.ts; run alone: `node --import tsx scripts/bench-matrix.ts [N]`.
 */
import { fileURLToPath } from 'node:url'
import { median, runMatrix } from '../__tests__/support/matrix.ts'
import { CLIENTS, startOidcServer } from '../__tests__/support/oidc-server.ts'
import { runStep } from '../__tests__/support/runner.ts'

export interface MatrixFigure {
  mode: 'sharing' | 'no sharing'
  jobs: number
  tokenRequests: number
  medianJobMs: number
}

/** `fromDist`: the committed dist/, or the directory of the bundles to run (see StepOptions). */
export async function benchMatrix(n = 32, fromDist: boolean | string = true): Promise<MatrixFigure[]> {
  const server = await startOidcServer()
  const inputs = {
    'auth-url': server.tokenEndpoint,
    'client-id': CLIENTS.post.id,
    'client-secret': CLIENTS.post.secret,
    revoke: 'false'
  }
  try {
    const figures: MatrixFigure[] = []
    for (const mode of ['sharing', 'no sharing'] as const) {
      const before = server.tokenRequests().length
      const auth = await runStep('main', mode === 'sharing' ? { ...inputs, share: 'true' } : inputs, { fromDist })
      const sealed = auth.outputs['shared-token']
      if (auth.code !== 0 || (mode === 'sharing' && !sealed))
        throw new Error(`the auth job failed: ${auth.stdout}${auth.stderr}`)
      const jobs = await runMatrix(n, sealed ? { ...inputs, 'shared-token': sealed } : inputs, { fromDist })
      const failed = jobs.find(job => job.result.code !== 0 || job.result.warnings.length > 0)
      if (failed) throw new Error(`a matrix job failed: ${failed.result.stdout}${failed.result.stderr}`)
      figures.push({
        mode,
        jobs: n + 1,
        tokenRequests: server.tokenRequests().length - before,
        medianJobMs: median(jobs.map(job => job.ms))
      })
    }
    return figures
  } finally {
    await server.close()
  }
}

export function matrixTable(figures: MatrixFigure[]): string {
  return [
    '| matrix | jobs | token requests | median wall time per job |',
    '|---|---:|---:|---:|',
    ...figures.map(f => `| ${f.mode} | ${f.jobs} | ${f.tokenRequests} | ${f.medianJobMs.toFixed(0)} ms |`)
  ].join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const n = Number(process.argv[2] ?? 32)
  console.log(`A ${n}-job matrix (plus its auth job), all jobs of the matrix started at once:\n`)
  console.log(matrixTable(await benchMatrix(n)))
}
