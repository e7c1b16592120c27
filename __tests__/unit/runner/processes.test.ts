import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { test } from 'node:test'
import { kill } from '../../../src/runner/process-kill.ts'
import { alive } from '../../../src/runner/processes.ts'

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
