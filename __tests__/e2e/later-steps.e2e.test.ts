/**
 * What a later step of the job, or a server, can do to token-command, run the way the runner runs it: a
 * `run:` step that rewrites the agent's agent.json or takes over its socket path and starts a real fake agent;
 * server text and inputs holding `##[`, which the runner takes for a command anywhere in a line; many and
 * large tokens; an agent whose new parent (a container's first process) never reaps it; and the token audit
 * in the post step's job summary. Step output is read with the runner's own command rules.
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { startGitHubOidc, type GitHubOidc } from '../support/github-oidc.ts'
import { startHostileServer, tokenAnswer, type HostileServer } from '../support/hostile-server.ts'
import { filesUnder, ok, waitGone, startJob, type Job } from '../support/job.ts'
import { formsOf } from '../support/leaks.ts'
import { CLIENTS, startOidcServer, type OidcServer } from '../support/oidc-server.ts'
import { bundlePath } from '../support/bundles.ts'
import { NODE24, ROOT } from '../support/runner.ts'
import { assertOwnCommands } from '../support/runner-commands.ts'

const FAKE_AGENT = join(ROOT, '__tests__/support/fake-agent.mjs')
const SECRET = CLIENTS.post.secret

let server: OidcServer
let home: HostileServer
let elsewhere: HostileServer
let github: GitHubOidc
before(async () => {
  ;[server, home, elsewhere, github] = await Promise.all([
    startOidcServer({ ttl: 300 }),
    startHostileServer(),
    startHostileServer(),
    startGitHubOidc()
  ])
})
after(async () => {
  await Promise.all([server.close(), home.close(), elsewhere.close(), github.close()])
})

const inputs = (extra: Record<string, string> = {}): Record<string, string> => ({
  'auth-url': server.issuer,
  'client-id': CLIENTS.post.id,
  'client-secret': SECRET,
  'token-command': 'true',
  ...extra
})

/** The client secret appears in no step's output and no file the job can see. */
function assertNoLeak(job: Job, secrets: string[] = [SECRET]): void {
  const forms = secrets.flatMap(formsOf)
  for (const log of job.logs) {
    for (const form of forms) assert.ok(!log.text.includes(form), `a secret leaked into the output of step ${log.name}`)
  }
  for (const dir of [job.temp, job.workspace, job.home]) {
    for (const file of filesUnder(dir)) {
      for (const form of forms) assert.ok(!file.text.includes(form), `a secret leaked into ${file.path}`)
    }
  }
}

/** A hostile later step: starts the fake agent in the background, waits until it listens. */
async function hostileStep(job: Job, mode: 'divert' | 'hijack' | 'flood'): Promise<{ record: string; pid: number }> {
  const record = join(job.root, `fake-${mode}.log`)
  ok(
    await job.run(
      `dir=$(dirname "$(dirname "$BINARLY_TOKEN_COMMAND")")
"$NODE" "$FAKE" ${mode} "$dir" "$RECORD" "$ORIGIN" </dev/null >/dev/null 2>&1 &
for i in $(seq 100); do [ -e "$RECORD.pid" ] && exit 0; sleep 0.1; done
exit 1`,
      { env: { NODE: NODE24, FAKE: FAKE_AGENT, RECORD: record, ORIGIN: elsewhere.origin }, name: `hostile ${mode}` }
    )
  )
  return { record, pid: Number(readFileSync(`${record}.pid`, 'utf8')) }
}

describe('1. a later step cannot choose where the post step sends credentials', () => {
  test('agent.json rewritten to a fake agent: the post step stops the real one, revokes its tokens, and the fake gets nothing', async () => {
    const job = startJob()
    let fake = 0
    try {
      const main = await job.main(inputs())
      assert.equal(main.code, 0, main.stdout + main.stderr)
      // A token the agent mints itself (no token is ever valid for a day).
      const minted = ok(await job.run('binarly-token --min-validity 86400')).stdout.trim()
      assert.notEqual(minted, main.outputs['access-token'])
      const hostile = await hostileStep(job, 'divert')
      fake = hostile.pid
      const agent = Number(job.state['token-agent-pid'])

      const post = await job.post(inputs())
      assert.equal(post.code, 0, post.stdout + post.stderr)
      assert.deepEqual(elsewhere.requests, [], 'the post step sent a request to the fake agent’s origin')
      assert.ok(!existsSync(hostile.record), 'the post step talked to the fake agent')
      assert.equal((await server.introspect(minted)).active, false, 'the real agent’s token is still active')
      assert.equal((await server.introspect(main.outputs['access-token'] ?? '')).active, false)
      assert.deepEqual(post.warnings, [])
      assertOwnCommands(post)
      assert.ok(await waitGone(agent, 10_000), 'the real agent is still running')
      assertNoLeak(job)
    } finally {
      if (fake) process.kill(fake, 'SIGTERM')
      job.close()
    }
  })

  test('the agent’s socket path taken over by a fake: no stop key, no credential, a warning; the real agent ends with the job', async () => {
    const job = startJob()
    let fake = 0
    try {
      const main = await job.main(inputs())
      assert.equal(main.code, 0, main.stdout + main.stderr)
      ok(await job.run('binarly-token --min-validity 86400'))
      const hostile = await hostileStep(job, 'hijack')
      fake = hostile.pid
      const agent = Number(job.state['token-agent-pid'])

      const post = await job.post(inputs())
      assert.equal(post.code, 0, post.stdout + post.stderr)
      assert.deepEqual(elsewhere.requests, [], 'the post step sent a request to the fake agent’s origin')
      const heard = readFileSync(hostile.record, 'utf8')
      for (const value of Object.values(job.state).filter(v => v.length >= 16)) {
        assert.ok(!heard.includes(value), 'the post step told the fake agent a value of its state')
      }
      assert.equal(post.warnings.length, 1, post.stdout)
      assert.match(post.warnings[0] ?? '', /did not prove to be the agent the main step started/)
      assert.match(post.warnings[0] ?? '', /stays valid until it expires/)
      assert.doesNotMatch(post.stdout, /fake-token-of-the-fake-agent/)
      assertOwnCommands(post)
      // Its directory is gone: the real agent ends by itself.
      assert.ok(await waitGone(agent, 10_000), 'the real agent is still running')
      assertNoLeak(job)
    } finally {
      if (fake) process.kill(fake, 'SIGTERM')
      job.close()
    }
  })
})

describe('an impostor at the agent’s socket cannot hold the post step (issue 27)', () => {
  test('records streamed without end, to a post step with a 128 MB heap: its own token revoked first, the answer refused by its size, the audit written', async () => {
    const job = startJob()
    let fake = 0
    try {
      const main = await job.main(inputs())
      assert.equal(main.code, 0, main.stdout + main.stderr)
      ok(await job.run('binarly-token --min-validity 86400'))
      fake = (await hostileStep(job, 'flood')).pid
      const post = await job.post(inputs(), { argv: ['--max-old-space-size=128', bundlePath('post')] })
      assert.equal(post.code, 0, post.stdout + post.stderr)
      assert.equal((await server.introspect(main.outputs['access-token'] ?? '')).active, false)
      assert.ok(
        post.stdout.indexOf('Revoked the access token') < post.stdout.indexOf('::warning::'),
        'the main step’s token was not revoked before the agent was asked to stop'
      )
      assert.equal(post.warnings.length, 1, post.stdout)
      assert.match(
        post.warnings[0] ?? '',
        /did not prove to be the agent the main step started \(its answer is larger than 32 MiB\)/
      )
      assert.match(post.summary, /^\| main step \| .* \| revoked \|$/m)
      assert.match(post.summary, /^\| binarly-token \| .* \| unknown: the agent could not be reached or verified \|$/m)
      assertOwnCommands(post)
    } finally {
      if (fake) process.kill(fake, 'SIGTERM')
      job.close()
    }
  })
})

/** A Keycloak-shaped token endpoint at the hostile server: tokens from `issue`, revocations recorded. */
function keycloakRoutes(realm: string, issue: () => Record<string, unknown>): { revoked: string[]; authUrl: string } {
  const revoked: string[] = []
  home.route(`${realm}/token`, () => ({ body: JSON.stringify(issue()) }))
  home.route(`${realm}/revoke`, form => {
    revoked.push(form.get('token') ?? '')
    return { body: '' }
  })
  return { revoked, authUrl: `${home.origin}${realm}/token` }
}

describe('2. `##[` in server text or an input is inert', () => {
  test('a discovered token endpoint and a granted scope holding ##[…] start no command', async () => {
    const realm = `${home.origin}/realms/Marks`
    home.route('/realms/Marks/.well-known/openid-configuration', () => ({
      body: JSON.stringify({ issuer: realm, token_endpoint: `${realm}/token?x=##[stop-commands]forged1` })
    }))
    home.route('/realms/Marks/token', () => tokenAnswer({ scope: 'scan ##[warning]forged2' }))
    const job = startJob()
    try {
      const main = await job.main(inputs({ 'auth-url': realm, 'token-command': 'false' }))
      assert.equal(main.code, 0, main.stdout + main.stderr)
      assertOwnCommands(main)
      assert.match(main.stdout, /with scope "scan ##\\\[warning\]forged2"/)
      assert.match(main.stdout, /Token endpoint http:\/\/127\.0\.0\.1:\d+\/realms\/Marks\/token\?x= \(from/)
    } finally {
      job.close()
    }
  })

  test('scope, audience, oidc-audience and client-id holding ##[ are refused, naming the input', async () => {
    for (const [name, value] of [
      ['scope', 'scan ##[error]forged3'],
      ['audience', 'api ##[warning]forged4'],
      ['client-id', 'ci ##[warning]forged5'],
      ['oidc-audience', 'aud ##[set-output name=x]forged6']
    ] as const) {
      const job = startJob()
      try {
        const main = await job.main(
          name === 'oidc-audience'
            ? { ...inputs({ 'auth-method': 'github_oidc', 'client-secret': '' }), [name]: value }
            : inputs({ [name]: value }),
          { env: github.env }
        )
        assert.equal(main.code, 1, main.stdout)
        assert.match(
          main.errors[0] ?? '',
          new RegExp(`^binarly-m2m-auth: ${name}: contains "##\\[", which the runner reads`)
        )
        assertOwnCommands(main)
      } finally {
        job.close()
      }
    }
  })

  test('an error_description a refresh in binarly-token reports on stderr starts no command', async () => {
    let calls = 0
    const { authUrl } = keycloakRoutes('/realms/Refusing/protocol/openid-connect', () => ({}))
    home.route('/realms/Refusing/protocol/openid-connect/token', () =>
      calls++ === 0
        ? tokenAnswer()
        : { status: 400, body: JSON.stringify({ error: 'invalid_client', error_description: 'no ##[error]forged7' }) }
    )
    const job = startJob()
    try {
      const main = await job.main(inputs({ 'auth-url': authUrl, retries: '0' }))
      assert.equal(main.code, 0, main.stdout + main.stderr)
      const refresh = await job.run('binarly-token --min-validity 86400', { name: 'refresh' })
      assert.equal(refresh.code, 1, refresh.stderr)
      assert.match(refresh.stderr, /no ##\\\[error\]forged7/)
      assertOwnCommands(refresh)
      assertOwnCommands(await job.post(inputs({ 'auth-url': authUrl })))
    } finally {
      job.close()
    }
  })
})

describe('3, 4. every token is handled whatever its size and number', () => {
  test('six 12 KB tokens minted by binarly-token are all revoked by the post step', async () => {
    const issued: string[] = []
    // Every token expires at the same time, 30 s after the first: all are still valid in the post step.
    let end = 0
    const { revoked, authUrl } = keycloakRoutes('/realms/Many/protocol/openid-connect', () => {
      end ||= Date.now() + 30_000
      const token = `${String(issued.length).padStart(4, '0')}${'t'.repeat(12_000)}`
      issued.push(token)
      return { access_token: token, token_type: 'Bearer', expires_in: Math.round((end - Date.now()) / 1000) }
    })
    const job = startJob()
    try {
      const main = await job.main(inputs({ 'auth-url': authUrl }))
      assert.equal(main.code, 0, main.stdout + main.stderr)
      // Asking for more than a token lives, once it lost a tenth of its life, makes a new one each time.
      ok(
        await job.run(`for i in 1 2 3 4 5 6; do
  left=$(binarly-token --min-validity 1000 --json | sed -E 's/.*"expires_in":([0-9]+).*/\\1/')
  [ "$i" = 6 ] || sleep $((left / 10 + 1))
done`)
      )
      assert.equal(issued.length, 7, 'not one exchange per call')
      const post = await job.post(inputs({ 'auth-url': authUrl }))
      assert.equal(post.code, 0, post.stdout + post.stderr)
      assert.deepEqual(post.warnings, [])
      const ids = (tokens: string[]): string[] => tokens.map(t => t.slice(0, 4)).sort()
      assert.deepEqual(ids(revoked), ids(issued), 'not every token was revoked')
      assert.deepEqual([...revoked].sort(), [...issued].sort())
      assertOwnCommands(post)
    } finally {
      job.close()
    }
  })

  test('binarly-token hands out a 70 KB token, as the main step does, and the post step revokes it', async () => {
    const big = `big-${'b'.repeat(70_000)}`
    const { revoked, authUrl } = keycloakRoutes('/realms/Big/protocol/openid-connect', () => ({
      access_token: big,
      token_type: 'Bearer',
      expires_in: 300
    }))
    const job = startJob()
    try {
      const main = await job.main(inputs({ 'auth-url': authUrl }))
      assert.equal(main.code, 0, main.stdout + main.stderr)
      const call = ok(await job.run('binarly-token'))
      assert.equal(call.stdout, `${big}\n`)
      assert.deepEqual(call.masks, [big])
      const post = await job.post(inputs({ 'auth-url': authUrl }))
      assert.equal(post.code, 0, post.stdout + post.stderr)
      assert.deepEqual(revoked, [big])
    } finally {
      job.close()
    }
  })
})

/**
 * A container's first process: a subreaper (PR_SET_CHILD_SUBREAPER) that never reaps, so the agent, once it
 * outlives the main step, becomes its child and stays a zombie after it exits. It runs the main step with the
 * step's stdio, passes on its exit code, then closes the stdio and lives on for 30 s.
 */
const NON_REAPING_INIT = `
import ctypes, os, subprocess, sys, time
r, w = os.pipe()
if os.fork() == 0:
    os.setsid()
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)
    code = subprocess.call(sys.argv[1:])
    os.write(w, bytes([code & 255]))
    for fd in (0, 1, 2, w):
        os.close(fd)
    time.sleep(30)
    os._exit(0)
os.close(w)
os._exit(os.read(r, 1)[0])
`

describe('5. an agent whose parent never reaps it', () => {
  test('a zombie agent counts as ended: the post step does not wait for it', async () => {
    const job = startJob()
    const init = join(job.root, 'init.py')
    writeFileSync(init, NON_REAPING_INIT)
    try {
      const main = await job.main(inputs(), { node: 'python3', argv: [init, NODE24, bundlePath('main')] })
      assert.equal(main.code, 0, main.stdout + main.stderr)
      const agent = Number(job.state['token-agent-pid'])
      const post = await job.post(inputs(), { env: { ACTIONS_STEP_DEBUG: 'true' } })
      assert.equal(post.code, 0, post.stdout + post.stderr)
      assert.match(readFileSync(`/proc/${agent}/stat`, 'latin1'), /\) Z /, 'the agent is not a zombie')
      assert.match(post.stdout, /::debug::The token agent \(process \d+\) has ended\./)
      assert.doesNotMatch(post.stdout, /killed/)
    } finally {
      job.close()
    }
  })
})

describe('the token audit in the post step’s job summary (issue 20)', () => {
  test('every token of the job, who had it minted, when, until when, whether it was revoked; never a value', async () => {
    const job = startJob()
    try {
      const main = await job.main(inputs())
      assert.equal(main.code, 0, main.stdout + main.stderr)
      const minted = ok(await job.run('binarly-token --min-validity 86400')).stdout.trim()
      const post = await job.post(inputs())
      assert.equal(post.code, 0, post.stdout + post.stderr)
      const rows = post.summary.split('\n').filter(line => /^\| (main step|binarly-token) /.test(line))
      assert.equal(rows.length, 2, post.summary)
      const iso = '\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z'
      assert.match(rows[0] ?? '', new RegExp(`^\\| main step \\| ${iso} \\| ${iso} \\| revoked \\|$`))
      assert.match(rows[1] ?? '', new RegExp(`^\\| binarly-token \\| ${iso} \\| ${iso} \\| revoked \\|$`))
      assert.match(post.summary, /^### Binarly tokens of this job$/m)
      for (const token of [main.outputs['access-token'] ?? '', minted]) {
        for (const form of formsOf(token)) assert.ok(!post.summary.includes(form), 'a token is in the job summary')
      }
      assertOwnCommands(post)
      assertNoLeak(job)
    } finally {
      job.close()
    }
  })
})
