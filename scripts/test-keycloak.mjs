#!/usr/bin/env node
/**
 * `npm run test:keycloak`: the Keycloak suite (__tests__/keycloak) once per Keycloak version, one version after
 * the other (2 cores: two servers side by side would only slow both). The versions: KEYCLOAK_VERSION when set,
 * else SUITE_VERSIONS of scripts/keycloak.mjs (both sides of 26.6). Every server is fetched and built first, so
 * a missing download fails before any test runs. Each line of a run's output is prefixed with its version
 * ("[26.5.6] ✔ …"), and the last lines sum up each version's result; the exit code is non-zero when any version
 * failed. Options are passed on to `node --test` (e.g. --test-name-pattern=github_oidc); file arguments replace
 * the suite's files (every *.test.ts of __tests__/keycloak).
 */
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { ensureDistribution, findJava, SUITE_VERSIONS } from './keycloak.mjs'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const versions = process.env.KEYCLOAK_VERSION ? [process.env.KEYCLOAK_VERSION] : SUITE_VERSIONS
const SUITE_DIR = join('__tests__', 'keycloak')
const args = process.argv.slice(2)
const options = args.filter(arg => arg.startsWith('-'))
const given = args.filter(arg => !arg.startsWith('-'))
const files = given.length
  ? given
  : readdirSync(join(REPO_ROOT, SUITE_DIR))
      .filter(name => name.endsWith('.test.ts'))
      .sort()
      .map(name => join(SUITE_DIR, name))

if (process.env.KEYCLOAK_HOME && versions.length > 1) {
  console.error(
    `KEYCLOAK_HOME is one server, and the suite runs against ${versions.join(' and ')}: set KEYCLOAK_VERSION too.`
  )
  process.exit(2)
}

/**
 * Runs the suite against one version; resolves with its exit code and the runner's pass/fail counts.
 * @param {string} version
 */
function runSuite(version) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...options, ...files],
    { cwd: REPO_ROOT, env: { ...process.env, KEYCLOAK_VERSION: version }, stdio: ['ignore', 'pipe', 'pipe'] }
  )
  const counts = { pass: 0, fail: 0 }
  for (const [stream, out] of /** @type {const} */ ([
    [child.stdout, process.stdout],
    [child.stderr, process.stderr]
  ])) {
    createInterface({ input: stream }).on('line', line => {
      const count = /^ℹ (pass|fail) (\d+)$/.exec(line)
      if (count) counts[/** @type {'pass' | 'fail'} */ (count[1])] = Number(count[2])
      out.write(`[${version}] ${line}\n`)
    })
  }
  return new Promise(resolve => child.on('close', code => resolve({ code: code ?? 1, ...counts })))
}

const java = findJava()
if (!process.env.KEYCLOAK_HOME) for (const version of versions) ensureDistribution({ version, java })

const results = []
for (const version of versions) {
  const started = Date.now()
  console.log(`\n=== Keycloak ${version}: the Keycloak suite`)
  const result = await runSuite(version)
  results.push({ version, seconds: (Date.now() - started) / 1000, ...result })
}

console.log('\n=== Keycloak suite, per version')
for (const { version, code, pass, fail, seconds } of results) {
  const verdict = code === 0 ? 'ok' : `FAILED (exit ${code})`
  console.log(`Keycloak ${version}: ${pass} passed, ${fail} failed in ${seconds.toFixed(0)} s: ${verdict}`)
}
const passed = results.reduce((sum, r) => sum + r.pass, 0)
const failed = results.reduce((sum, r) => sum + r.fail, 0)
console.log(`keycloak: ${passed} passed, ${failed} failed`)
process.exitCode = results.every(r => r.code === 0) ? 0 : 1
