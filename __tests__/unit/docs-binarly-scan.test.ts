/**
 * docs/binarly-scan.md and examples/binarly-scan.sh agree: the page's workflow runs the script after this
 * action's step with token-command: true, every variable it sets is one the script reads and documents, the
 * settings table lists exactly the script's variables, the README's long-scan recipe links the page, and the
 * script is valid bash that takes every token from binarly-token.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { parse } from 'yaml'
import { fences, readDoc, tableRows } from '../support/markdown.ts'
import { ROOT } from '../support/runner.ts'

const SCRIPT = readFileSync(join(ROOT, 'examples/binarly-scan.sh'), 'utf8')
const DOC = 'docs/binarly-scan.md'

interface Step {
  uses?: string
  with?: Record<string, unknown>
  env?: Record<string, string>
  run?: string
}

/** The variables the script's header documents. */
const documented = [...SCRIPT.matchAll(/^# {3}([A-Z_]+) /gm)].map(m => m[1] ?? '')

describe('docs/binarly-scan.md and examples/binarly-scan.sh', () => {
  test("the page's workflow: this action with token-command: true, then the script with variables it reads", () => {
    const [workflow] = fences(DOC).filter(f => f.lang === 'yaml')
    const parsed = parse(workflow?.text ?? '') as { jobs: Record<string, { steps: Step[] }> }
    const steps = Object.values(parsed.jobs).flatMap(job => job.steps)
    const auth = steps.findIndex(s => /binarly-m2m-auth@/.test(s.uses ?? ''))
    const scan = steps.findIndex(s => (s.run ?? '').includes('.github/scripts/binarly-scan.sh'))
    assert.ok(auth >= 0 && scan > auth, 'the scan step comes after the action')
    assert.equal(steps[auth]?.with?.['token-command'], true)
    for (const name of Object.keys(steps[scan]?.env ?? {})) {
      assert.ok(documented.includes(name), `${name} is not documented in the script's header`)
      assert.ok(SCRIPT.includes(`\${${name}`), `${name} is not read by the script`)
    }
  })

  test('the settings table lists exactly the variables the script documents', () => {
    const names = tableRows(DOC, 'variable').map(row => (row.cells[0] ?? '').replace(/`/g, ''))
    assert.deepEqual([...names].sort(), [...documented].sort())
  })

  test("the README's recipe for long scans links the page and the script", () => {
    const readme = readDoc('README.md')
    const recipe = readme.slice(readme.indexOf('### A scan that outlives the token'), readme.indexOf('### More'))
    assert.match(recipe, /\[docs\/binarly-scan\.md\]\(docs\/binarly-scan\.md\)/)
    assert.match(recipe, /examples\/binarly-scan\.sh/)
    assert.match(recipe, /binarly-token --renew/)
  })

  test('the script is valid bash, strict, and takes every token from binarly-token', () => {
    const syntax = spawnSync('bash', ['-n', join(ROOT, 'examples/binarly-scan.sh')], { encoding: 'utf8' })
    assert.equal(syntax.status, 0, syntax.stderr)
    assert.match(SCRIPT, /^set -euo pipefail$/m)
    // The only places a token comes from: binarly-token, and its --renew with the refused token on stdin.
    const sources = [...SCRIPT.matchAll(/token=\$\(([^)]*)\)/g)].map(m => m[1])
    assert.deepEqual(sources, ['binarly-token', 'printf \'%s\\n\' "$token" | binarly-token --renew'])
    assert.doesNotMatch(SCRIPT, /BINARLY_ACCESS_TOKEN/, 'the script uses the first token instead of binarly-token')
  })
})
