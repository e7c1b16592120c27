/**
 * Every YAML example in README.md and docs/*.md is something a customer can paste: it parses, it is a whole
 * workflow (or a list of steps, tested wrapped into one), actionlint finds nothing in it, the inputs and
 * outputs of this action it uses exist in action.yml, and it follows the README's one rule for values: the
 * client ID and secret come from secrets (the Auth URL may be a variable).
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, parseDocument } from 'yaml'
import { formatFinding, lintWorkflow } from '../../scripts/workflow-lint.mjs'
import { isEntry, readActionYml, type Entry } from '../support/action-yml.ts'
import { docFiles, fences, type Fence } from '../support/markdown.ts'
import { ROOT } from '../support/runner.ts'

const action = readActionYml()
const scanAction = readActionYml('scan/action.yml')
const THIS_ACTION = /^(\.\/|[^/\s]+\/binarly-m2m-auth@)/
/** The scan step of this repository (scan/action.yml), as the examples refer to it. */
const SCAN_STEP = /^[^/\s]+\/binarly-m2m-auth\/scan@/
/** How an example refers to the action: the placeholder owner, and the major tag or a pinned commit. */
const REFERENCE = /^<owner>\/binarly-m2m-auth@(v\d+|<sha>)$/
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version

/** The workflow actionlint sees: the example itself, or its steps in a minimal job. */
function asWorkflow(fence: Fence): string {
  const value: unknown = parse(fence.text)
  if (isEntry(value)) {
    assert.ok(
      'on' in value && 'jobs' in value,
      `${fence.where}: a YAML example is a whole workflow (with on: and jobs:) or a list of steps`
    )
    return fence.text
  }
  assert.ok(Array.isArray(value), `${fence.where}: a YAML example is a whole workflow or a list of steps`)
  const steps = fence.text
    .trimEnd()
    .split('\n')
    .map(line => `      ${line}`)
    .join('\n')
  return `on: workflow_dispatch\npermissions:\n  contents: read\njobs:\n  example:\n    runs-on: ubuntu-latest\n    steps:\n${steps}\n`
}

/** Every step of a workflow (all jobs). */
function stepsOf(workflow: string): Entry[] {
  const value: unknown = parse(workflow)
  if (!isEntry(value) || !isEntry(value.jobs)) return []
  return Object.values(value.jobs).flatMap(job =>
    isEntry(job) && Array.isArray(job.steps) ? job.steps.filter(isEntry) : []
  )
}

const examples = docFiles().flatMap(file => fences(file).filter(f => f.lang === 'yaml' || f.lang === 'yml'))

describe('YAML examples in README.md and docs/', () => {
  test('there are examples, and none is in a fence without a language', () => {
    assert.ok(examples.length >= 8, `only ${examples.length} YAML examples found`)
    const README = fences('README.md').filter(f => f.lang === 'yaml')
    assert.ok(README.length >= 3)
    // The README's first example is a complete workflow that checks out the code, signs in and scans.
    const first = parse(README[0]?.text ?? '') as Entry
    assert.ok('on' in first && 'permissions' in first, 'the first README example has on: and permissions:')
    const steps = stepsOf(README[0]?.text ?? '')
    assert.ok(
      steps.some(s => String(s.uses).startsWith('actions/checkout@')),
      'it checks out the code'
    )
    assert.ok(
      steps.some(s => THIS_ACTION.test(String(s.uses))),
      'it uses the action'
    )
    assert.ok(
      steps.some(s => SCAN_STEP.test(String(s.uses))),
      'it has the scan step'
    )
  })

  for (const fence of examples) {
    describe(fence.where, () => {
      test('parses as YAML', () => {
        const { errors } = parseDocument(fence.text)
        assert.deepEqual(
          errors.map(e => e.message.split('\n')[0]),
          [],
          `${fence.where} is not valid YAML`
        )
      })

      test('passes actionlint as a workflow', async () => {
        const findings = await lintWorkflow(asWorkflow(fence), fence.where)
        assert.deepEqual(findings.map(formatFinding), [])
      })

      test("uses only this action's inputs and outputs, with the required ones, and secrets for the client", () => {
        const workflow = asWorkflow(fence)
        const ours = stepsOf(workflow).filter(step => THIS_ACTION.test(String(step.uses)))
        const ids = new Set<string>()
        for (const step of ours) {
          assert.match(
            String(step.uses),
            REFERENCE,
            `${fence.where}: refer to the action as <owner>/binarly-m2m-auth@v1 or @<sha> # v${VERSION}`
          )
          if (typeof step.id === 'string') ids.add(step.id)
          const inputs = isEntry(step.with) ? step.with : {}
          for (const name of Object.keys(inputs)) {
            assert.ok(name in action.inputs, `${fence.where}: input ${name} is not in action.yml`)
          }
          for (const [name, input] of Object.entries(action.inputs)) {
            if (input.required === true) assert.ok(name in inputs, `${fence.where}: required input ${name} is missing`)
          }
          for (const name of ['client-id', 'client-secret', 'private-key', 'share-passphrase']) {
            const value = inputs[name]
            if (typeof value !== 'string' || !value.includes('${{')) continue
            assert.match(value, /^\$\{\{ secrets\.[A-Z0-9_]+ \}\}$/, `${fence.where}: ${name} comes from a secret`)
          }
          const authUrl = inputs['auth-url']
          if (typeof authUrl === 'string' && authUrl.includes('${{')) {
            assert.match(authUrl, /^\$\{\{ (vars|secrets)\.BINARLY_AUTH_URL \}\}$/, `${fence.where}: auth-url`)
          }
        }
        const scanIds = new Set<string>()
        for (const step of stepsOf(workflow).filter(s => SCAN_STEP.test(String(s.uses)))) {
          assert.match(String(step.uses), /^<owner>\/binarly-m2m-auth\/scan@(v\d+|<sha>)$/, fence.where)
          if (typeof step.id === 'string') scanIds.add(step.id)
          const inputs = isEntry(step.with) ? step.with : {}
          for (const name of Object.keys(inputs)) {
            assert.ok(name in scanAction.inputs, `${fence.where}: input ${name} is not in scan/action.yml`)
          }
          for (const [name, input] of Object.entries(scanAction.inputs)) {
            if (input.required === true) assert.ok(name in inputs, `${fence.where}: required input ${name} is missing`)
          }
        }
        for (const [, id, output] of workflow.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
          if (id && ids.has(id))
            assert.ok(output && output in action.outputs, `${fence.where}: output ${output} is not in action.yml`)
          if (id && scanIds.has(id))
            assert.ok(
              output && output in scanAction.outputs,
              `${fence.where}: output ${output} is not in scan/action.yml`
            )
        }
      })
    })
  }
})

describe('where the action lives', () => {
  /** Every file a customer or contributor reads that may name the action's repository. */
  const files = [...docFiles(), 'CONTRIBUTING.md', 'SECURITY.md', 'action.yml', '.github/workflows/release.yml']

  test('every mention of the repository names its owner <owner>, never a real-looking account such as org/', () => {
    const wrong = files.flatMap(file =>
      [...readFileSync(join(ROOT, file), 'utf8').matchAll(/([^\s`'"(/:]*)\/binarly-m2m-auth\b/g)]
        .filter(([, owner]) => owner !== '<owner>')
        .map(([text]) => `${file}: ${text}`)
    )
    assert.deepEqual(wrong, [])
  })

  test(`a pinned commit is commented with the current version, v${VERSION}`, () => {
    const pins = files.flatMap(file =>
      [...readFileSync(join(ROOT, file), 'utf8').matchAll(/binarly-m2m-auth@<sha>(?: # (v[\d.]+))?/g)].map(
        ([text, version]) => ({ file, text, version })
      )
    )
    assert.ok(pins.length >= 2, 'the README shows the recommended pin')
    for (const pin of pins) assert.equal(pin.version, `v${VERSION}`, `${pin.file}: ${pin.text}`)
  })
})

describe('the checks themselves', () => {
  test('actionlint knows the vars context and finds a typo in a context name', async () => {
    const ok = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo "${{ vars.X }}"\n'
    assert.deepEqual(await lintWorkflow(ok, 'ok.yml'), [])
    const typo = ok.replace('vars.X', 'varz.X')
    const [finding] = await lintWorkflow(typo, 'typo.yml')
    assert.match(finding?.message ?? '', /undefined variable "varz"/)
  })

  test('a YAML error is reported as such, without running actionlint', async () => {
    const [finding] = await lintWorkflow('run: curl -H "Authorization: Bearer x": y\n', 'bad.yml')
    assert.equal(finding?.kind, 'yaml-syntax')
  })

  test('a step list is wrapped into a minimal workflow', () => {
    const wrapped = asWorkflow({ where: 'x', lang: 'yaml', text: '- run: echo hi\n' })
    assert.deepEqual(stepsOf(wrapped), [{ run: 'echo hi' }])
  })
})
