import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { test } from 'node:test'
import { closeIpc } from '../../../src/agent/ipc.ts'

test('closeIpc closes an open channel, and leaves one the other side closed first', async () => {
  let closed = 0
  closeIpc({
    connected: true,
    disconnect: () => {
      closed++
    }
  })
  closeIpc({ connected: false, disconnect: () => assert.fail('disconnect() of a closed channel raises') })
  assert.equal(closed, 1)
  // A real channel the child closed first: Node's disconnect() would emit ERR_IPC_DISCONNECTED here.
  const child = spawn(process.execPath, ['-e', 'process.disconnect()'], {
    stdio: ['ignore', 'ignore', 'ignore', 'ipc']
  })
  child.on('error', error => assert.fail(error))
  await once(child, 'disconnect')
  closeIpc(child)
  await once(child, 'exit')
})
