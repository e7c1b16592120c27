/**
 * A later step that chooses the post step's network (issue 27): it writes HTTPS_PROXY (an intercepting proxy
 * of its own) with NODE_EXTRA_CA_CERTS (its CA), NODE_TLS_REJECT_UNAUTHORIZED=0 or NODE_USE_ENV_PROXY to
 * $GITHUB_ENV, or rewrites the CA file the main step trusted, and the runner hands all of it to the post step.
 * Run as the runner runs the bundles: a job behind a corporate proxy and CA (keycloak.test, which only the
 * proxies resolve), with token-command: true, so that the main step's token and the agent's are both revoked
 * by the post step. Nothing may reach the intercepting proxy.
 */
import assert from 'node:assert/strict'
import { copyFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { FaultProxy } from '../support/fault-proxy.ts'
import { startForwardProxy, type ForwardProxy } from '../support/forward-proxy.ts'
import { startHostileServer, type HostileServer } from '../support/hostile-server.ts'
import { startInterceptingProxy, type InterceptingProxy } from '../support/intercepting-proxy.ts'
import { filesUnder, ok, startJob, type Job } from '../support/job.ts'
import { formsOf } from '../support/leaks.ts'
import { assertOwnCommands } from '../support/runner-commands.ts'
import { makeCa, startTlsServer, type TestCa } from '../support/tls-server.ts'

const SECRET = 'n3twork-s3cret-of-the-ci-client'
const REALM = '/realms/Net/protocol/openid-connect'

let keycloak: HostileServer
let corporate: TestCa
let attacker: TestCa
let front: FaultProxy
let proxy: ForwardProxy
let mitm: InterceptingProxy
const issued: string[] = []
const revoked: string[] = []
before(async () => {
  corporate = makeCa('Binarly Test Corporate CA')
  attacker = makeCa('Later Step CA')
  keycloak = await startHostileServer()
  keycloak.route(`${REALM}/token`, () => {
    const token = `net-${issued.length}-${Math.random().toString(36).slice(2)}`
    issued.push(token)
    return { body: JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 300 }) }
  })
  keycloak.route(`${REALM}/revoke`, form => {
    revoked.push(form.get('token') ?? '')
    return { body: '' }
  })
  front = await startTlsServer(keycloak.origin, corporate)
  proxy = await startForwardProxy({ hosts: { 'keycloak.test': '127.0.0.1' } })
  mitm = await startInterceptingProxy(attacker)
})
after(async () => {
  await Promise.all([keycloak.close(), front.close(), proxy.close(), mitm.close()])
  corporate.remove()
  attacker.remove()
})

const inputs = (): Record<string, string> => ({
  'auth-url': `https://keycloak.test:${front.port}${REALM}/token`,
  'client-id': 'ci',
  'client-secret': SECRET,
  'token-command': 'true'
})

/** A job behind the corporate proxy and CA (its own copy of the CA file, which a later step may rewrite). */
function corporateJob(): Job {
  const job = startJob()
  const caFile = join(job.root, 'corporate-ca.pem')
  copyFileSync(corporate.certPath, caFile)
  Object.assign(job.env, { HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: caFile })
  return job
}

/** The main step, and a token binarly-token minted itself: the two the post step has to revoke. */
async function mainAndMint(job: Job): Promise<string[]> {
  const main = await job.main(inputs())
  assert.equal(main.code, 0, main.stdout + main.stderr)
  const minted = ok(await job.run('binarly-token --min-validity 86400')).stdout.trim()
  const token = main.outputs['access-token'] ?? ''
  assert.notEqual(minted, token)
  return [token, minted]
}

/** The hostile later step: appends these lines to $GITHUB_ENV (and runs `extra` first). */
async function hostileStep(job: Job, lines: string[], extra = ''): Promise<void> {
  const env = lines.map(line => `printf '%s\\n' '${line}' >> "$GITHUB_ENV"`).join('\n')
  ok(await job.run(`${extra}\n${env}\n`, { name: 'hostile network' }))
}

/** Nothing reached the intercepting proxy; the client secret is nowhere in the job's output or files. */
function assertNothingIntercepted(job: Job): void {
  assert.deepEqual(
    mitm.seen.map(s => s.target),
    [],
    `the intercepting proxy was used:\n${mitm.seen.map(s => s.text ?? '').join('\n')}`
  )
  for (const log of job.logs) {
    for (const form of formsOf(SECRET))
      assert.ok(!log.text.includes(form), `the secret is in the output of ${log.name}`)
  }
  for (const file of [...filesUnder(job.temp), ...filesUnder(job.workspace)]) {
    for (const form of formsOf(SECRET)) assert.ok(!file.text.includes(form), `the secret is in ${file.path}`)
  }
}

describe('a later step cannot choose the post step’s proxy or trust store (issue 27)', () => {
  const attacks: [string, (job: Job) => string[]][] = [
    [
      'HTTPS_PROXY / https_proxy to an intercepting proxy, and its CA in NODE_EXTRA_CA_CERTS',
      () => [`HTTPS_PROXY=${mitm.url}`, `https_proxy=${mitm.url}`, `NODE_EXTRA_CA_CERTS=${attacker.certPath}`]
    ],
    [
      'HTTPS_PROXY to an intercepting proxy, NODE_TLS_REJECT_UNAUTHORIZED=0 and NODE_USE_ENV_PROXY=1',
      () => [`HTTPS_PROXY=${mitm.url}`, 'NODE_TLS_REJECT_UNAUTHORIZED=0', 'NODE_USE_ENV_PROXY=1', 'NO_PROXY=']
    ]
  ]
  for (const [name, lines] of attacks) {
    test(`${name}: the post step revokes every token through the main step’s proxy and CA`, async () => {
      const job = corporateJob()
      try {
        const tokens = await mainAndMint(job)
        await hostileStep(job, lines(job))
        mitm.seen.length = 0
        proxy.reset()
        const post = await job.post(inputs(), { env: { ACTIONS_STEP_DEBUG: 'true' } })
        assert.equal(post.code, 0, post.stdout + post.stderr)
        assertNothingIntercepted(job)
        assert.deepEqual(post.warnings, [])
        for (const token of tokens) assert.ok(revoked.includes(token), 'a token of the job was not revoked')
        assert.ok(proxy.tunnels.length >= 1, 'the revocations did not go through the main step’s proxy')
        assert.match(
          post.stdout,
          /::debug::The post step uses the network settings the main step ran with, not those a later step set: /
        )
        assertOwnCommands(post)
      } finally {
        job.close()
      }
    })
  }

  test('the CA file the main step trusted rewritten: no credential is sent, one warning names NODE_EXTRA_CA_CERTS, the audit says why', async () => {
    const job = corporateJob()
    try {
      const tokens = await mainAndMint(job)
      await hostileStep(job, [`HTTPS_PROXY=${mitm.url}`], `cat '${attacker.certPath}' > "$NODE_EXTRA_CA_CERTS"`)
      mitm.seen.length = 0
      const post = await job.post(inputs())
      assert.equal(post.code, 0, post.stdout + post.stderr)
      assertNothingIntercepted(job)
      for (const token of tokens) assert.ok(!revoked.includes(token), 'a token was revoked over a changed network')
      assert.equal(post.warnings.length, 1, post.stdout)
      assert.match(
        post.warnings[0] ?? '',
        /^binarly-m2m-auth: the post step sends no credential, so it revokes no token of this job: NODE_EXTRA_CA_CERTS cannot be used as the main step used it \(the file it names \(.*corporate-ca\.pem\) changed since the main step trusted it\)/
      )
      const rows = post.summary.split('\n').filter(line => /^\| (main step|binarly-token) /.test(line))
      assert.equal(rows.length, 2, post.summary)
      // The summary escapes Markdown: NODE\_EXTRA\_CA\_CERTS.
      for (const row of rows)
        assert.match(
          row,
          /\| not revoked: NODE\\_EXTRA\\_CA\\_CERTS changed since the main step \(see the warnings\) \|$/
        )
      assertOwnCommands(post)
    } finally {
      job.close()
    }
  })

  test('SSL_CERT_FILE set by a later step (OpenSSL reads it, it cannot be set back): no credential is sent', async () => {
    const job = corporateJob()
    try {
      const [token = ''] = await mainAndMint(job)
      const bundle = join(job.root, 'later-ca.pem')
      writeFileSync(bundle, attacker.cert)
      await hostileStep(job, [`HTTPS_PROXY=${mitm.url}`, `SSL_CERT_FILE=${bundle}`])
      mitm.seen.length = 0
      const post = await job.post(inputs())
      assert.equal(post.code, 0, post.stdout + post.stderr)
      assertNothingIntercepted(job)
      assert.ok(!revoked.includes(token))
      assert.equal(post.warnings.length, 1, post.stdout)
      assert.match(
        post.warnings[0] ?? '',
        /: SSL_CERT_FILE cannot be used as the main step used it \(it was unset in the main step and is ".*later-ca\.pem" now/
      )
    } finally {
      job.close()
    }
  })
})
