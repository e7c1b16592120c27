#!/usr/bin/env node
// Builds the two committed bundles named by action.yml: dist/main (runs.main) and dist/post (runs.post).
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const ncc = fileURLToPath(new URL('../node_modules/@vercel/ncc/dist/ncc/cli.js', import.meta.url))

for (const entry of ['main', 'post']) {
  rmSync(`${root}/dist/${entry}`, { recursive: true, force: true })
  execFileSync(
    process.execPath,
    [ncc, 'build', `src/${entry}.ts`, '-o', `dist/${entry}`, '--license', 'licenses.txt', '--quiet', '--minify'],
    {
      cwd: root,
      stdio: 'inherit'
    }
  )
}
