/** alive() and kill(): what the token agent and the post step watch each other with. */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { test } from 'node:test'
import { alive, kill } from '../../src/processes.ts'

test('a running process is alive until killed; killing it again is harmless', async () => {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => undefined, 30_000)'], { stdio: 'ignore' })
  const pid = Number(child.pid)
  assert.equal(alive(pid), true)
  assert.equal(alive(process.pid), true)
  const exited = once(child, 'exit')
  kill(pid)
  await exited
  assert.equal(alive(pid), false)
  kill(pid)
})
