#!/usr/bin/env node
// Prints the CHANGELOG.md section of a release tag, for the GitHub release notes (.github/workflows/release.yml):
//   node scripts/release-notes.mjs v1.2.3
// Fails, saying what to fix, when the tag is not vMAJOR.MINOR.PATCH, when package.json carries another version,
// or when CHANGELOG.md has no non-empty `## [1.2.3]` section.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const fail = message => {
  console.error(`release-notes: ${message}`)
  process.exit(1)
}

const tag = process.argv[2] ?? ''
const version = /^v(\d+\.\d+\.\d+)$/.exec(tag)?.[1]
if (!version) fail(`"${tag}" is not a release tag: expected vMAJOR.MINOR.PATCH, e.g. v1.2.3.`)

const { version: packageVersion } = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'))
if (packageVersion !== version) {
  fail(`the tag is ${tag} but package.json says ${packageVersion}: set "version" to ${version} and tag again.`)
}

// The section runs from its `## [x.y.z]` heading to the next `## ` heading or the link definitions at the end.
const lines = readFileSync(`${root}/CHANGELOG.md`, 'utf8').split(/\r?\n/)
const start = lines.findIndex(line => line.startsWith(`## [${version}]`))
if (start < 0) fail(`CHANGELOG.md has no "## [${version}]" section: add one with the changes of ${tag}.`)
const rest = lines.slice(start + 1)
const end = rest.findIndex(line => line.startsWith('## ') || /^\[[^\]]+\]: /.test(line))
const notes = (end < 0 ? rest : rest.slice(0, end)).join('\n').trim()
if (!notes) fail(`the "## [${version}]" section of CHANGELOG.md is empty: list the changes of ${tag}.`)
console.log(notes)
