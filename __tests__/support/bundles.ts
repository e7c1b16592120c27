/**
 * The bundles the runner-style tests run: built from the current src/ by `npm run bundle:test` (npm runs it
 * before `npm test` and `npm run test:keycloak`) into .cache/test-dist, with source maps so that c8 counts
 * what a child process runs as lines of src/. The committed dist/ is checked separately (check-dist).
 */
// .c8rc.json includes "file:/**/src/**/*.ts" beside "src/**/*.ts" for these bundles: Node hands c8 a bundle's
// source map with its sources as file:// URLs, and c8 (v8-to-istanbul) tests each V8 block range against
// include with that URL; without the pattern it drops every range of src/ and reports every line of a bundled
// file as run. Which files are reported is still decided by their plain paths (src/**/*.ts).
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const TEST_DIST = join(ROOT, '.cache/test-dist')

function newestSource(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs)
  }
  return newest
}

let checked = false

/** The path of a test bundle's entry, after checking it was built from the sources as they are now. */
export function bundlePath(step: string): string {
  const path = join(TEST_DIST, step, 'index.js')
  if (!checked) {
    if (!existsSync(path) || statSync(path).mtimeMs < newestSource(join(ROOT, 'src'))) {
      throw new Error(`${path} is missing or older than src/: run 'npm run bundle:test' (npm test does it first).`)
    }
    checked = true
  }
  return path
}
