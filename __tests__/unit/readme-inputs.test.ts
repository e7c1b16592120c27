/**
 * README.md's inputs and outputs tables say what action.yml says: the same inputs and outputs, in the same
 * order, with the same defaults (`required` for a required input, empty for none).
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { NUMBER_LIMITS } from '../../src/common/config.ts'
import { readActionYml } from '../support/action-yml.ts'
import { ROOT } from '../support/runner.ts'

const action = readActionYml()
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8').split(/\r?\n/)

/** The cells of a Markdown table row: GitHub splits at every `|` not escaped as `\|`, code spans included. */
function cells(row: string): string[] {
  const text = row
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '')
  return text.split(/(?<!\\)\|/).map(cell => cell.replace(/\\\|/g, '|').trim())
}

const same = (a: string[], b: string[]): boolean => a.length === b.length && a.every((v, i) => v === b[i])

/** The rows of the one table whose header is exactly `header`, as name (unquoted) → the other cells. */
function table(header: string[]): Map<string, string[]> {
  const starts = readme.flatMap((line, i) => (line.trim().startsWith('|') && same(cells(line), header) ? [i] : []))
  assert.equal(starts.length, 1, `README.md needs exactly one table with the header | ${header.join(' | ')} |`)
  const rows = new Map<string, string[]>()
  // Header, delimiter row, then rows until the first line that is not part of the table.
  for (const line of readme.slice((starts[0] ?? 0) + 2)) {
    if (!line.trim().startsWith('|')) break
    const [first = '', ...rest] = cells(line)
    const name = /^`([^`]+)`$/.exec(first)?.[1]
    assert.ok(name, `README.md ${header[0]} table: the first cell of "${line.slice(0, 60)}" is not a \`name\``)
    assert.ok(!rows.has(name), `README.md ${header[0]} table lists ${name} twice`)
    rows.set(name, rest)
  }
  return rows
}

describe('README.md agrees with action.yml', () => {
  test('the inputs table lists every input, in order, with its default', () => {
    const rows = table(['input', 'default', 'meaning'])
    assert.deepEqual([...rows.keys()], Object.keys(action.inputs), 'README inputs (left) differ from action.yml')
    for (const [name, input] of Object.entries(action.inputs)) {
      const [defaultCell, meaning] = rows.get(name) ?? []
      const expected =
        input.required === true ? 'required' : typeof input.default === 'string' ? `\`${input.default}\`` : ''
      assert.equal(defaultCell, expected, `README default of ${name}: action.yml says ${expected || 'none'}`)
      assert.ok(meaning, `README: ${name} has no meaning`)
    }
  })

  test('the numeric inputs state their range, as config.ts checks it', () => {
    const rows = table(['input', 'default', 'meaning'])
    for (const [name, limits] of Object.entries(NUMBER_LIMITS)) {
      const [, meaning = ''] = rows.get(name) ?? []
      assert.ok(meaning.includes(`from ${limits.min} to ${limits.max}`), `README: ${name} does not say its range`)
    }
  })

  test('the outputs table lists every output, in order', () => {
    const rows = table(['output', 'meaning'])
    assert.deepEqual([...rows.keys()], Object.keys(action.outputs), 'README outputs (left) differ from action.yml')
    for (const [name, [meaning] = []] of rows) assert.ok(meaning, `README: ${name} has no meaning`)
  })

  test('table rows split the way GitHub splits them', () => {
    assert.deepEqual(cells('| `a` | `x\\|y` | b \\| c |'), ['`a`', '`x|y`', 'b | c'])
    assert.deepEqual(cells('| `a` | | m |'), ['`a`', '', 'm'])
  })
})
