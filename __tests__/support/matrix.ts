/**
 * A simulated matrix: N jobs of the main step started at once, as concurrent child processes (the way a
 * matrix fans out), each timed from spawn to exit. Used by the matrix test and the benchmark.
 */
import { runStep, type StepOptions, type StepResult } from './runner.ts'

export interface TimedStep {
  result: StepResult
  /** Wall time of the job, spawn to exit. */
  ms: number
}

export async function runMatrix(
  n: number,
  inputs: Record<string, string>,
  options: StepOptions = {}
): Promise<TimedStep[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const started = performance.now()
      const result = await runStep('main', inputs, { killAfterMs: 120_000, ...options })
      return { result, ms: performance.now() - started }
    })
  )
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}
