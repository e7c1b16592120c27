#!/usr/bin/env node
/**
 * Builds the bundles: dist/main (action.yml runs.main) and dist/post (runs.post), one per file in
 * src/entrypoints/.
 *
 *   node scripts/bundle.mjs                                   # the committed dist/
 *   node scripts/bundle.mjs --out .cache/test-dist --source-map --no-minify   # what the tests run (see __tests__/support/bundles.ts)
 *
 * --source-map adds index.js.map files that point back to src/*.ts, so c8 counts the lines a bundle runs in a
 * child process as lines of src/. The committed dist/ has no source maps. The map reaches the TypeScript text
 * only because tsconfig.json has "sourceMap": true (else ncc's ts-loader hands webpack tsc's JavaScript, whose
 * line numbers c8 would then pin on src/*.ts). --no-minify keeps one bundle statement per source statement,
 * so V8's block ranges map back to the branches of src/ as written, not to terser's rewritten expressions.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const ncc = fileURLToPath(new URL('../node_modules/@vercel/ncc/dist/ncc/cli.js', import.meta.url))
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'dist' },
    'source-map': { type: 'boolean', default: false },
    'no-minify': { type: 'boolean', default: false }
  }
})

export const ENTRIES = readdirSync(`${root}/src/entrypoints`)
  .filter(file => file.endsWith('.ts'))
  .map(file => file.slice(0, -'.ts'.length))

for (const entry of ENTRIES) {
  const out = `${values.out}/${entry}`
  rmSync(`${root}/${out}`, { recursive: true, force: true })
  const args = [ncc, 'build', `src/entrypoints/${entry}.ts`, '-o', out, '--license', 'licenses.txt', '--quiet']
  if (!values['no-minify']) args.push('--minify')
  if (values['source-map']) args.push('--source-map', '--no-source-map-register')
  execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' })
  if (values['source-map']) absoluteSources(`${root}/${out}`)
}

/** ncc names sources relative to the repository's parent ("../src/x.ts"); c8 needs paths it can open. */
function absoluteSources(dir) {
  for (const file of readdirSync(dir).filter(name => name.endsWith('.js.map'))) {
    const map = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8'))
    map.sources = map.sources.map(source => resolve(root, source.replace(/^(\.\.?\/)+/, '')))
    writeFileSync(`${dir}/${file}`, JSON.stringify(map))
  }
}
