/**
 * Starts the test suite's OpenID provider (`oidc-provider` on loopback, __tests__/support/oidc-server.ts) as a
 * background process for a workflow job, so that later steps can use the action against it without Docker:
 *
 *   node --import tsx scripts/oidc-serve.ts --ttl 5
 *
 * It returns once the server listens, having appended OIDC_ISSUER=<url> to $GITHUB_ENV (or printed it);
 * the server keeps running until the job ends (or for --max-seconds, default 1800). Test clients and
 * secrets only (CLIENTS in oidc-server.ts).
 */
import { spawn } from 'node:child_process'
import { appendFileSync, openSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    ttl: { type: 'string', default: '5' },
    'max-seconds': { type: 'string', default: '1800' },
    serve: { type: 'boolean', default: false }
  }
})

if (values.serve) {
  const { startOidcServer } = await import('../__tests__/support/oidc-server.ts')
  const server = await startOidcServer({ ttl: Number(values.ttl) })
  // Started by the branch below, with an IPC channel: the issuer goes back through it.
  process.send?.(server.issuer)
  process.disconnect()
  setTimeout(() => void server.close().then(() => process.exit(0)), Number(values['max-seconds']) * 1000)
} else {
  const log = openSync(join(process.env.RUNNER_TEMP ?? tmpdir(), 'oidc-serve.log'), 'a')
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      '--serve',
      '--ttl',
      values.ttl,
      '--max-seconds',
      values['max-seconds']
    ],
    { detached: true, stdio: ['ignore', log, log, 'ipc'], windowsHide: true }
  )
  const issuer = await new Promise<string>((resolve, reject) => {
    child.once('message', message => resolve(message as string))
    child.once('exit', code => reject(new Error(`the OpenID provider exited with code ${code}`)))
  })
  child.removeAllListeners('exit')
  child.disconnect()
  child.unref()
  if (process.env.GITHUB_ENV) appendFileSync(process.env.GITHUB_ENV, `OIDC_ISSUER=${issuer}\n`)
  console.log(`OpenID provider at ${issuer} (process ${child.pid}), tokens live ${values.ttl} s.`)
}
