/** describeError: whatever was thrown, one line a person can read, and nothing a library could smuggle in. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeError } from '../../../src/common/errors.ts'

test('an Error gives its message, a string itself', () => {
  assert.equal(describeError(new TypeError('bad thing')), 'bad thing')
  assert.equal(describeError('plain text'), 'plain text')
})

test('anything else is named by its type only, never printed', () => {
  assert.equal(describeError(null), 'unexpected null thrown')
  assert.equal(describeError(undefined), 'unexpected undefined thrown')
  assert.equal(describeError({ token: 'secret-value' }), 'unexpected object thrown')
  assert.equal(describeError(42), 'unexpected number thrown')
})
