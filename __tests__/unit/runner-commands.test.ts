/**
 * The test helper that reads step output as the runner does (support/runner-commands.ts), checked against the
 * cases of actions/runner's own tests: `::` only at the start of a trimmed line, `##[` anywhere, unknown
 * names ignored, nothing between `stop-commands` and its token, CR as a line end.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { foreignCommands, runnerCommands } from '../support/runner-commands.ts'

const names = (text: string): string[] => runnerCommands(text).map(c => `${c.form}${c.name}`)

test('`::` is a command only at the start of a trimmed line; `##[` anywhere in it', () => {
  assert.deepEqual(names('  ::warning::x\nsay ::error::y\nsay ##[error]z\n'), ['::warning', '##[error'])
  assert.deepEqual(names('\u00a0\t::debug::x'), ['::debug'])
  assert.deepEqual(names('\ufeff::debug::x'), [], 'U+FEFF is not white space to .NET')
})

test('a bare CR ends a line; unknown names and unclosed forms are text', () => {
  assert.deepEqual(names('a\r::error::x\r\n##[nope]y\n##[error y\n::error x'), ['::error'])
})

test('the first form that parses wins, one command a line', () => {
  const [command, ...rest] = runnerCommands('::warning::a ##[error]b')
  assert.equal(rest.length, 0)
  assert.ok(command)
  assert.equal(command.name, 'warning')
  assert.equal(command.data, 'a ##[error]b')
})

test('properties and data are unescaped as the runner does', () => {
  const [v2] = runnerCommands('::error file=a%2Cb,line=3::x%0Ay%25')
  assert.ok(v2)
  assert.deepEqual(v2.properties, { file: 'a,b', line: '3' })
  assert.equal(v2.data, 'x\ny%')
  const [legacy] = runnerCommands('text ##[set-output name=a%3Bb;=skip;x=]v%5D')
  assert.ok(legacy)
  assert.deepEqual(legacy.properties, { name: 'a;b' })
  assert.equal(legacy.data, 'v]')
})

test('stop-commands: nothing is a command until its token, which resumes; refused tokens do not stop', () => {
  assert.deepEqual(names('##[stop-commands]t0k\n::add-mask::x\n##[T0K]\n::add-mask::y'), [
    '##[stop-commands',
    '##[T0K',
    '::add-mask'
  ])
  assert.deepEqual(names('::stop-commands::debug\n::add-mask::x'), ['::stop-commands', '::add-mask'])
  assert.deepEqual(names('::stop-commands::\n::add-mask::x'), ['::stop-commands', '::add-mask'])
})

test('foreign: any ##[ form, or a name the action never issues', () => {
  const text = '::add-mask::a\n::warning::b\nx ##[warning]c\n::save-state name=k::v\n::group::g\n::endgroup::'
  assert.deepEqual(
    foreignCommands(text).map(c => c.line),
    ['x ##[warning]c', '::save-state name=k::v']
  )
})
