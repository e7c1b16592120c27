/** The one sanitiser of server text: single-line and inert, secrets redacted in every escaped form. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { printable, redact } from '../../../src/common/server-text.ts'

describe('printable', () => {
  test('line breaks and every other control character are escaped, visibly', () => {
    assert.equal(printable('a\nb\rc\r\nd', 80), 'a\\nb\\rc\\r\\nd')
    assert.equal(
      printable('x\u0000\u001b[31m\u007f\u0085\u2028\u2029y', 80),
      'x\\u0000\\u001b[31m\\u007f\\u0085\\u2028\\u2029y'
    )
    assert.equal(printable(' tab\tand  spaces ', 80), 'tab and spaces')
  })

  test('every control character is escaped: each of C0 (but tab), DEL, C1, U+2028 and U+2029', () => {
    // Each one, not a random sample (the property below draws them at random, so it may miss one in a run).
    const controls = [0x2028, 0x2029]
    for (let code = 0; code <= 0x9f; code++) if ((code < 0x20 && code !== 0x09) || code >= 0x7f) controls.push(code)
    for (const code of controls) {
      const out = printable(`a${String.fromCharCode(code)}b`, 80)
      assert.equal(
        out,
        `a\\u${code.toString(16).padStart(4, '0')}b`.replace(/\\u000a/, '\\n').replace(/\\u000d/, '\\r')
      )
    }
  })

  test('whatever the text, the result is one line that cannot start a workflow command', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), text => {
        const out = printable(text, 300)
        assert.doesNotMatch(out, /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/)
        assert.ok(!/^::/.test(out) || text.trimStart().startsWith('::'))
      }),
      { numRuns: 2000 }
    )
  })
})

describe('redact', () => {
  const secret = 'Zq9/kT2-g\u00fcltig-\u{1f511}-"x"'
  test('every JSON escape form: \\/, \\uXXXX in both hex cases, surrogate pairs', () => {
    const forms = [
      secret,
      JSON.stringify(secret).slice(1, -1),
      'Zq9\\/kT2-g\\u00fcltig-\\ud83d\\udd11-\\"x\\"',
      'Zq9/kT2-g\\u00FCltig-\\uD83D\\uDD11-\\"x\\"',
      'Zq9\\/kT2-g\\u00FCltig-\\uD83D\\uDD11-\\"x\\"'
    ]
    for (const form of forms) assert.equal(redact(`<${form}>`, [secret]), '<***>', form)
  })
})

describe('redact and printable, case by case', () => {
  test('a secret in HTML text: every escaped character', () => {
    const secret = `a&b<c>d"e'f`
    assert.equal(redact(`[a&amp;b&lt;c&gt;d&quot;e&#39;f]`, [secret]), '[***]')
    assert.equal(redact('[a&amp;b]', ['a&b']), '[***]')
    // The rest of the text is left as it is, escapes included.
    assert.equal(redact('x &amp; y', ['secret-value']), 'x &amp; y')
  })

  test('a secret containing another is redacted whole; an empty secret is none', () => {
    assert.equal(redact('<abcdef>', ['abc', 'abcdef']), '<***>')
    assert.equal(redact('<abcdef>', ['abcdef', 'abc']), '<***>')
    assert.equal(redact('abc', ['']), 'abc')
    assert.equal(printable('abc', 80, ['']), 'abc')
  })

  test('a secret that re-forms around the marker: nothing of the text is kept', () => {
    assert.equal(redact('x**y', ['**']), '(withheld: it contains a secret)')
    assert.equal(printable('x**y', 80, ['**']), '(withheld: it contains a secret)')
  })

  test('no secrets given: nothing is redacted; longer than max: cut to max, with an ellipsis', () => {
    assert.equal(printable('Stryker was here', 80), 'Stryker was here')
    assert.equal(printable('abcdef', 4), 'abc…')
    assert.equal(printable('abcd', 4), 'abcd')
    assert.equal(printable('abcde', 4).length, 4)
  })
})

describe('printable and the runner’s ##[ commands', () => {
  test('##[ is broken wherever it is; nothing else changes', () => {
    assert.equal(printable('a ##[error]x ###[warning]y', 80), 'a ##\\[error]x ###\\[warning]y')
    assert.equal(printable('#[ # [ ## [', 80), '#[ # [ ## [')
  })

  test('whatever the text and the secrets, the result holds no ##[', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('#', '[', 'a', '*', '\n', ' '), maxLength: 40 }),
        fc.string({ unit: fc.constantFrom('#', '[', 'a'), minLength: 1, maxLength: 4 }),
        (text, secret) => assert.ok(!printable(text, 100, [secret]).includes('##['))
      ),
      { numRuns: 2000 }
    )
  })
})
