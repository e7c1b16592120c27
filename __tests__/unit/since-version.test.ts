/**
 * Every input and output added after the first release says since when it exists, in action.yml's description
 * and in the README's table row alike ("Since vX.Y.Z."), and CHANGELOG.md's section of that version names it:
 * a customer on `@v1.0.0` reading the docs of `@v1` learns what their pin lacks.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { readActionYml } from '../support/action-yml.ts'
import { tableRows } from '../support/markdown.ts'
import { ROOT } from '../support/runner.ts'

/** The interface of v1.0.0, the first release (its action.yml): these need no mark. */
const V1_0_0 = {
  inputs: [
    'auth-url',
    'client-id',
    'client-secret',
    'auth-method',
    'scope',
    'audience',
    'resource',
    'env-var',
    'timeout',
    'retries',
    'allow-http',
    'ca-certificate',
    'private-key',
    'private-key-id',
    'signing-algorithm',
    'oidc-audience',
    'share',
    'shared-token',
    'share-passphrase',
    'min-validity',
    'revoke'
  ],
  outputs: ['access-token', 'token-type', 'expires-in', 'expires-at', 'scope', 'shared-token']
}

const MARK = /\bSince (v\d+\.\d+\.\d+)\./g
const action = readActionYml()
const changelog = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8')
const packageVersion = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version

/** The one "Since vX.Y.Z." of a text, or undefined; two marks are an error. */
function markOf(text: string, where: string): string | undefined {
  const marks = [...text.matchAll(MARK)].map(match => match[1])
  assert.ok(marks.length <= 1, `${where} says "Since" twice`)
  return marks[0]
}

/** The text of CHANGELOG.md's `## [version]` section. */
function section(version: string): string {
  const start = changelog.indexOf(`\n## [${version}]`)
  assert.ok(start >= 0, `CHANGELOG.md has no "## [${version}]" section`)
  const end = changelog.indexOf('\n## ', start + 1)
  return changelog.slice(start, end < 0 ? undefined : end)
}

const newer = (a: string, b: string): boolean => {
  const [x, y] = [a, b].map(v => v.replace(/^v/, '').split('.').map(Number))
  for (let i = 0; i < 3; i++) if ((x?.[i] ?? 0) !== (y?.[i] ?? 0)) return (x?.[i] ?? 0) > (y?.[i] ?? 0)
  return false
}

for (const kind of ['inputs', 'outputs'] as const) {
  describe(`${kind} added after v1.0.0`, () => {
    const declared = action[kind]
    const readme = new Map(
      tableRows('README.md', kind === 'inputs' ? 'input' : 'output').map(row => [
        /^`([^`]+)`$/.exec(row.cells[0] ?? '')?.[1] ?? '',
        row.cells.at(-1) ?? ''
      ])
    )

    test('action.yml marks exactly the new ones "Since vX.Y.Z.", a release after v1.0.0 and not after package.json', () => {
      for (const [name, entry] of Object.entries(declared)) {
        const mark = markOf(String(entry.description), `action.yml ${kind} ${name}`)
        if (V1_0_0[kind].includes(name)) {
          assert.equal(mark, undefined, `${name} was in v1.0.0: no "Since"`)
          continue
        }
        assert.ok(mark, `action.yml: ${name} is not in v1.0.0, so its description ends "Since v${packageVersion}."`)
        assert.ok(newer(mark, 'v1.0.0') && !newer(mark, packageVersion), `${name}: ${mark}`)
      }
    })

    test("the README's row says the same as action.yml", () => {
      for (const [name, entry] of Object.entries(declared)) {
        const row = readme.get(name)
        assert.ok(row !== undefined, `README: no row for ${name}`)
        assert.equal(markOf(row, `README ${name}`), markOf(String(entry.description), name), `README row of ${name}`)
      }
    })

    test("CHANGELOG.md's section of that version names each one", () => {
      for (const [name, entry] of Object.entries(declared)) {
        const mark = markOf(String(entry.description), name)
        if (!mark) continue
        assert.match(section(mark.slice(1)), new RegExp(`\`${name}[\`:]`), `CHANGELOG [${mark.slice(1)}] names ${name}`)
      }
    })
  })
}

test('a mark is found in the form the tests expect, and versions compare as numbers', () => {
  assert.equal(markOf('Put binarly-token on PATH. Since v1.1.0.', 'x'), 'v1.1.0')
  assert.equal(markOf('since 2020, not a mark', 'x'), undefined)
  assert.ok(newer('v1.10.0', 'v1.9.3') && !newer('v1.1.0', 'v1.1.0'))
})
