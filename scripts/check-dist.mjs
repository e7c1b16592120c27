#!/usr/bin/env node
// Rebuilds dist/ and fails when it differs from what git holds: the committed bundles must be exactly what the
// source builds to, since they are what `uses:` runs. On a difference it lists the files and writes the text
// diff to .cache/dist.diff (CI uploads it). Used by CI, the release workflow and .ci/run.
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })

execFileSync(process.execPath, ['scripts/bundle.mjs'], { cwd: root, stdio: 'inherit' })

// Modified, deleted and new files alike; the index is not touched.
const changed = git('status', '--porcelain', '--untracked-files=all', '--', 'dist/').trimEnd()
if (changed) {
  // --text: .gitattributes marks dist/** as -diff, which would hide the content.
  mkdirSync(`${root}/.cache`, { recursive: true })
  writeFileSync(`${root}/.cache/dist.diff`, git('diff', '--text', '--', 'dist/'))
  console.error(changed)
  console.error(
    "dist/ differs from a fresh build of the source (files above, text diff in .cache/dist.diff): run 'npm run bundle' and commit dist/."
  )
  process.exit(1)
}
console.log('dist/ is what the source builds to.')
