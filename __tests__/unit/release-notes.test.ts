/** scripts/release-notes.mjs: the release workflow's notes come from CHANGELOG.md, and a bad tag stops it. */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { ROOT } from '../support/runner.ts'

const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version

function notes(tag: string): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [join(ROOT, 'scripts/release-notes.mjs'), tag], { encoding: 'utf8' })
  return { code: run.status, stdout: run.stdout, stderr: run.stderr }
}

describe('release notes', () => {
  test("the tag of package.json's version gets its CHANGELOG section, without the heading or the next one", () => {
    const result = notes(`v${version}`)
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /^### Added\n/)
    assert.ok(!result.stdout.includes('## ['), 'the notes run into another section')
    assert.ok(readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8').includes(result.stdout.trim()))
  })

  test('a tag that is not vX.Y.Z, or not the version of package.json, fails with the fix', () => {
    const cases: [string, RegExp][] = [
      [version, /is not a release tag: expected vMAJOR\.MINOR\.PATCH/],
      [`v${version}-rc.1`, /is not a release tag/],
      ['v999.0.0', new RegExp(`package\\.json says ${version.replace(/\./g, '\\.')}: set "version" to 999\\.0\\.0`)]
    ]
    for (const [tag, message] of cases) {
      const result = notes(tag)
      assert.equal(result.code, 1, tag)
      assert.match(result.stderr, message)
      assert.equal(result.stdout, '')
    }
  })
})
