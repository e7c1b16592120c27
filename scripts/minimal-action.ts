/**
 * The benchmarks' baseline: what any action doing one token POST with the toolkit costs (@actions/core and
 * @actions/http-client, the packages this action uses), bundled by ncc as this action's bundles are.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from '../__tests__/support/runner.ts'

export const MINIMAL_ACTION = `import * as core from '@actions/core'
import { HttpClient } from '@actions/http-client'
const client = new HttpClient('minimal')
const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: core.getInput('client-id'), client_secret: core.getInput('client-secret') }).toString()
const res = await client.post(core.getInput('auth-url'), body, { 'content-type': 'application/x-www-form-urlencoded' })
const json = JSON.parse(await res.readBody())
core.setSecret(json.access_token)
core.setOutput('access-token', json.access_token)
`

/** Builds it into `<dir>/minimal/index.mjs` (extra ncc arguments: `--minify`, `--stats-out …`); returns that path. */
export function buildMinimalAction(dir: string, nccArgs: string[]): string {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'minimal.mjs'), MINIMAL_ACTION)
  const ncc = join(ROOT, 'node_modules/@vercel/ncc/dist/ncc/cli.js')
  const out = join(dir, 'minimal')
  execFileSync(process.execPath, [ncc, 'build', join(dir, 'minimal.mjs'), '-o', out, '--quiet', ...nccArgs], {
    cwd: ROOT,
    stdio: 'inherit'
  })
  return join(out, 'index.mjs')
}
