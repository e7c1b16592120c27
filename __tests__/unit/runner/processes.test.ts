import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { test } from 'node:test'
import { kill } from '../../../src/runner/process-kill.ts'
import { alive, exited, procStat } from '../../../src/runner/processes.ts'

test('alive and kill: a running child is alive, killed it is not, and killing it again is no error', async () => {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' })
  const pid = child.pid ?? assert.fail('no pid')
  assert.equal(alive(pid), true)
  const exited = once(child, 'exit')
  kill(pid)
  await exited
  assert.equal(alive(pid), false)
  kill(pid)
})

test('a zombie, or a dead process, has ended; a stat line is read after the last parenthesis', () => {
  assert.equal(exited('123 (node) S 1 2 3'), false)
  assert.equal(exited('123 (a) Z (b) R 1 2'), false)
  assert.equal(exited('123 (a) R (b)) Z 1 2'), true)
  assert.equal(exited('123 (x) X 1'), true)
  assert.equal(exited(undefined), false)
  assert.equal(procStat(-1), undefined)
  assert.match(procStat(process.pid) ?? '', new RegExp(`^${process.pid} \\(`))
  // Elsewhere /proc/<pid>/stat would be a path on the current drive (Windows), which later steps can write.
  assert.equal(procStat(process.pid, 'win32'), undefined)
  assert.equal(procStat(process.pid, 'darwin'), undefined)
  // This process is running; with a stat that says zombie, it would count as ended.
  assert.equal(alive(process.pid), true)
  assert.equal(
    alive(process.pid, () => `${process.pid} (node) Z 1`),
    false
  )
})
