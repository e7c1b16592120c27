/**
 * docs/binarly-scan.md and the scan step agree: the page's workflows run the scan step after this action's
 * step with token-command: true, its inputs and outputs tables list exactly what scan/action.yml declares
 * (with the same defaults), the README's first workflow and long-scan recipe lead to the step and the page,
 * and the one curl example sends the token on standard input, never in an argument.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { parse } from 'yaml'
import { readActionYml } from '../support/action-yml.ts'
import { fences, readDoc, tableRows } from '../support/markdown.ts'
import { ROOT } from '../support/runner.ts'

const DOC = 'docs/binarly-scan.md'
const scan = readActionYml('scan/action.yml')

interface Step {
  uses?: string
  with?: Record<string, unknown>
  run?: string
}

const stepsOf = (text: string): Step[] =>
  Object.values((parse(text) as { jobs: Record<string, { steps: Step[] }> }).jobs).flatMap(job => job.steps)

describe('docs/binarly-scan.md and the scan step', () => {
  test('every workflow of the page runs the scan step after this action with token-command: true', () => {
    const workflows = fences(DOC).filter(f => f.lang === 'yaml')
    assert.ok(workflows.length >= 2, 'the workflow and the matrix recipe')
    for (const workflow of workflows) {
      const steps = stepsOf(workflow.text)
      const auth = steps.findLastIndex(s => /^<owner>\/binarly-m2m-auth@/.test(s.uses ?? ''))
      const step = steps.findIndex(s => /^<owner>\/binarly-m2m-auth\/scan@v1$/.test(s.uses ?? ''))
      assert.ok(auth >= 0 && step > auth, `${workflow.where}: the scan step comes after the sign-in step`)
      assert.equal(steps[auth]?.with?.['token-command'], true, workflow.where)
    }
  })

  test('the inputs table lists exactly the inputs of scan/action.yml, with its defaults', () => {
    const rows = tableRows(DOC, 'input').map(row => row.cells.map(cell => cell.replace(/`/g, '')))
    assert.deepEqual(rows.map(([name]) => name).sort(), Object.keys(scan.inputs).sort())
    for (const [name = '', fallback] of rows) {
      const declared = scan.inputs[name]?.default
      if (declared !== undefined) assert.equal(fallback, declared, `${name}: the default`)
      else assert.ok(!/^[\d'`]|^(true|false)$/.test(fallback ?? ''), `${name}: no default in scan/action.yml`)
    }
  })

  test('the outputs table names exactly the outputs of scan/action.yml', () => {
    const names = tableRows(DOC, 'output').flatMap(row =>
      [...(row.cells[0] ?? '').matchAll(/`([^`]+)`/g)].map(m => m[1])
    )
    assert.deepEqual(names.sort(), Object.keys(scan.outputs).sort())
  })

  test("the README's first workflow is the scan step; its long-scan recipe leads to the page", () => {
    const readme = readDoc('README.md')
    const first = readme.slice(readme.indexOf('## Your first workflow'), readme.indexOf('## Recipes'))
    assert.match(first, /uses: <owner>\/binarly-m2m-auth\/scan@v1/)
    assert.match(first, /token-command: true/)
    const recipe = readme.slice(readme.indexOf('### A scan that outlives the token'), readme.indexOf('### More'))
    assert.match(recipe, /\[docs\/binarly-scan\.md\]\(docs\/binarly-scan\.md\)/)
    assert.match(recipe, /binarly-token --renew/)
  })

  test('the script is retired; the one curl example reads its header from standard input', () => {
    assert.ok(!existsSync(join(ROOT, 'examples/binarly-scan.sh')))
    const curls = fences(DOC).filter(f => f.lang === 'bash' && f.text.includes('curl'))
    assert.equal(curls.length, 1)
    assert.match(curls[0]?.text ?? '', /^token=\$\(binarly-token\)/m)
    assert.match(curls[0]?.text ?? '', /printf 'Authorization: Bearer %s\\n' "\$token" \|\n\s+curl [^\n]*--header @- /)
    assert.doesNotMatch(readDoc(DOC), /--header "Authorization|-H "Authorization/)
  })
})
