/**
 * The runner worker's part, under Wine (node.exe): a Windows process that lives through the job and starts
 * each step as its child, as Runner.Worker does, so that the main step's parent (which the token agent
 * watches) is a Windows process that outlives the step. It takes one JSON line per step from the test over
 * loopback TCP (WORKER_PORT), starts the program with that environment and files as stdio (node.exe under
 * Wine fails when its stdout or stderr is a pipe; the real runner gives pipes), and answers with the exit
 * code. It ends when the test closes the connection.
 */
import { spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { connect } from 'node:net'
import { createInterface } from 'node:readline'

const base = { ...process.env }
delete base.WORKER_PORT
const socket = connect(Number(process.env.WORKER_PORT), '127.0.0.1')
createInterface({ input: socket }).on('line', line => {
  const step = JSON.parse(line)
  const answer = reply => socket.write(`${JSON.stringify({ id: step.id, ...reply })}\n`)
  if (step.alive !== undefined) {
    // Whether a Windows process of this Wine session runs (the runner's orphan check, by pid).
    try {
      process.kill(step.alive, 0)
      return answer({ code: 0, alive: true })
    } catch {
      return answer({ code: 0, alive: false })
    }
  }
  const fds = [
    step.stdin ? openSync(step.stdin, 'r') : 'ignore',
    openSync(step.stdout, 'w'),
    openSync(step.stderr, 'w')
  ]
  const child = spawn(step.file === 'node' ? process.execPath : step.file, step.args, {
    // The runner puts GITHUB_PATH entries (newest first) before the PATH it started with.
    env: { ...base, ...step.env, PATH: [...(step.path ?? []), base.PATH].join(';') },
    stdio: fds,
    cwd: step.cwd,
    windowsHide: true,
    windowsVerbatimArguments: Boolean(step.verbatim)
  })
  for (const fd of fds) if (typeof fd === 'number') closeSync(fd)
  child.on('error', error => answer({ code: -1, error: error.message }))
  child.on('exit', code => answer({ code }))
})
socket.on('connect', () => socket.write(`${JSON.stringify({ ready: process.pid })}\n`))
socket.on('close', () => process.exit(0))
