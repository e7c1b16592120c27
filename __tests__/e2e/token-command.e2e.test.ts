/**
 * token-command: a job whose steps outlive the token. The main step (token-command: true), then `run:` steps
 * as the runner runs them (fresh bash or sh, PATH from GITHUB_PATH, env from GITHUB_ENV, one RUNNER_TEMP and
 * HOME), then the post step, against oidc-provider issuing opaque 5-second tokens (so introspection says
 * whether a token is alive and revocation really ends it). The leak scan covers every step's output and
 * every file the job can see; no process of the job may outlive it.
 */
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import type { ClientMetadata } from 'oidc-provider'
import { startFederatedRealm } from '../support/federated-realm.ts'
import { startGitHubOidc, SUBJECT } from '../support/github-oidc.ts'
import { filesUnder, ok, waitGone, processesWithEnv, startJob, type Job } from '../support/job.ts'
import { formsOf } from '../support/leaks.ts'
import { CLIENTS, startOidcServer, type OidcServer } from '../support/oidc-server.ts'

const TTL = 5
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const PRIVATE_KEY = key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
const KEY_CLIENT: ClientMetadata = {
  client_id: 'ci-token-pk',
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
  token_endpoint_auth_method: 'private_key_jwt',
  jwks: { keys: [{ ...key.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig' }] }
}

let server: OidcServer
before(async () => {
  server = await startOidcServer({ ttl: TTL, clients: [KEY_CLIENT] })
})
after(() => server.close())

const SECRETS = [
  CLIENTS.post.secret,
  PRIVATE_KEY,
  ...PRIVATE_KEY.split('\n').filter(line => line.length >= 16 && !line.startsWith('-----'))
]

const inputs = (extra: Record<string, string> = {}): Record<string, string> => ({
  // The issuer: endpoints by discovery, revocation included.
  'auth-url': server.issuer,
  'client-id': CLIENTS.post.id,
  'client-secret': CLIENTS.post.secret,
  'token-command': 'true',
  'min-validity': '2',
  ...extra
})

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** Waits until the token has less than `seconds` left. */
async function untilLeft(expiresAt: string, seconds: number): Promise<void> {
  const wait = Date.parse(expiresAt) - seconds * 1000 - Date.now()
  if (wait > 0) await sleep(wait + 100)
}

/** The secrets appear in no step's output and no file of RUNNER_TEMP, the workspace or HOME. */
function assertNoLeak(job: Job): void {
  const forms = SECRETS.flatMap(formsOf)
  for (const log of job.logs) {
    for (const form of forms) assert.ok(!log.text.includes(form), `a secret leaked into the output of step ${log.name}`)
  }
  for (const dir of [job.temp, job.workspace, job.home]) {
    for (const file of filesUnder(dir)) {
      for (const form of forms) assert.ok(!file.text.includes(form), `a secret leaked into ${file.path}`)
    }
  }
}

/** The post step's one warning about an agent that is gone: its tokens expire on their own. */
function assertAgentGone(warnings: string[], code: string): void {
  assert.equal(warnings.length, 1, warnings.join('\n'))
  assert.match(
    warnings[0] ?? '',
    new RegExp(
      `^binarly-m2m-auth: binarly-token: could not stop the job's token agent: nothing answers at its socket \\(${code}\\).*stays valid until it expires`
    )
  )
}

const revocations = (since: number): string[] =>
  server.requests.slice(since).flatMap(r => (r.path === '/token/revocation' ? [String(r.status)] : []))

describe('binarly-token in the later steps of a job', () => {
  test('first the main step’s token, after expiry a new one (one exchange for 16 callers), --json, sh; the post step revokes all of them and leaves nothing behind', async () => {
    const job = startJob()
    try {
      // runStep returns when the step's stdout and stderr close, as the runner waits for them: an agent that
      // inherited them would hold this step open until the post step (and fail it at runStep's 60 s limit).
      const started = Date.now()
      const main = await job.main(inputs())
      assert.equal(main.code, 0, main.stdout + main.stderr)
      assert.ok(Date.now() - started < 30_000, 'the main step was held open')
      const mainToken = main.outputs['access-token'] ?? ''
      const command = main.outputs['token-command'] ?? ''
      assert.match(command, /\/binarly-token$/)
      assert.equal(job.env.BINARLY_TOKEN_COMMAND, command)
      assert.ok(job.paths[0] && command.startsWith(job.paths[0]), 'the command directory is on PATH')
      const pid = Number(job.state['token-agent-pid'])
      assert.ok(pid > 0)

      // The agent's arguments and environment hold no secret (the inputs are not passed on).
      const environ = readFileSync(`/proc/${pid}/environ`, 'latin1')
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1')
      for (const form of SECRETS.flatMap(formsOf)) {
        assert.ok(!environ.includes(form) && !cmdline.includes(form), 'the agent got the secret through env or argv')
      }
      assert.ok(!/INPUT_/.test(environ), 'the agent inherited INPUT_* variables')
      assert.ok(environ.includes(`RUNNER_TRACKING_ID=${job.trackingId}`), 'the agent keeps RUNNER_TRACKING_ID')

      // The first call: the main step's token, masked on stderr, bare on stdout.
      const tokensBefore = server.tokenRequests().length
      const first = ok(await job.run('token=$(binarly-token)\ntest "$token" = "$BINARLY_ACCESS_TOKEN"\nbinarly-token'))
      assert.equal(first.stdout, `${mainToken}\n`)
      assert.equal(first.masks[0], mainToken)
      assert.equal(server.tokenRequests().length, tokensBefore, 'a valid token was exchanged again')

      // At expiry, 16 concurrent callers: exactly one exchange, and all get the same new token.
      await untilLeft(main.outputs['expires-at'] ?? '', 2)
      const burst = ok(
        await job.run('seq 16 | xargs -P 16 -I{} sh -c \'t=$(binarly-token) && echo "$t"\'', { name: 'burst' })
      )
      const got = burst.stdout.trim().split('\n')
      assert.equal(got.length, 16)
      assert.equal(new Set(got).size, 1, 'the concurrent callers got different tokens')
      const fresh = got[0] ?? ''
      assert.notEqual(fresh, mainToken)
      assert.equal(server.tokenRequests().length, tokensBefore + 1, 'not exactly one exchange for 16 callers')
      assert.ok(burst.masks.includes(fresh), 'the new token was masked')
      assert.equal((await server.introspect(fresh)).active, true)

      // --json, from sh, through $BINARLY_TOKEN_COMMAND.
      const json = ok(await job.run('"$BINARLY_TOKEN_COMMAND" --json', { shell: 'sh' }))
      const parsed = JSON.parse(json.stdout) as Record<string, unknown>
      assert.deepEqual(Object.keys(parsed), ['access_token', 'token_type', 'expires_in', 'expires_at', 'scope'])
      assert.equal(parsed.access_token, fresh)
      assert.equal(parsed.token_type, 'Bearer')
      assert.ok(typeof parsed.expires_in === 'number' && parsed.expires_in >= 2 && parsed.expires_in <= TTL)
      assert.ok(typeof parsed.expires_at === 'string' && Date.parse(parsed.expires_at) > Date.now())
      assert.equal(json.masks[0], fresh)

      // The job's steps run three times longer than a token lives: each still gets a valid one.
      const seen = new Set([mainToken, fresh])
      for (let i = 0; i < 2; i++) {
        await sleep(TTL * 1000 - 1500)
        // Its two streams on one pipe, as a step that does not capture the token shows them (2>&1, | tee): the
        // mask line comes before the token, so the runner hides the token from its first appearance on.
        const later = ok(await job.run('binarly-token 2>&1 | cat'))
        const [, token = ''] = /^::add-mask::(\S+)\n\1\n$/.exec(later.stdout) ?? []
        assert.ok(token, `not the mask, then the token, on one stream: ${later.stdout.length} characters`)
        assert.equal((await server.introspect(token)).active, true, 'binarly-token gave an inactive token')
        seen.add(token)
      }
      assert.ok(seen.size >= 3, 'no new token after expiry')

      // The post step: the agent stops, every token is revoked, nothing is left.
      const since = server.requests.length
      const post = await job.post(inputs())
      assert.equal(post.code, 0, post.stdout + post.stderr)
      assert.deepEqual(post.warnings, [])
      assert.match(post.stdout, /Stopped the token agent of binarly-token; it minted \d+ tokens, \d+ still valid\./)
      for (const token of seen) {
        const introspection = await server.introspect(token)
        assert.equal(introspection.active, false, 'a token binarly-token handed out is still active')
      }
      assert.ok(revocations(since).length >= 2 && revocations(since).every(status => status === '200'))
      assert.ok(await waitGone(pid), 'the agent is still running after the post step')
      assert.deepEqual(processesWithEnv('RUNNER_TRACKING_ID', job.trackingId), [], 'a process of the job is left')
      assert.deepEqual(
        filesUnder(job.temp).map(f => f.path),
        [],
        'the post step left files behind in RUNNER_TEMP'
      )
      assert.ok(!existsSync(job.state['token-agent-dir'] ?? ''))

      // After the post step the command is gone with its directory.
      const late = await job.run('binarly-token', { name: 'after post' })
      assert.equal(late.code, 127)
      assert.equal(late.stdout, '')
      assertNoLeak(job)
    } finally {
      job.close()
    }
  })

  test('a failing server: non-zero exit, empty stdout, one actionable line on stderr; the next call succeeds', async () => {
    const job = startJob()
    try {
      const main = await job.main(inputs({ retries: '0' }))
      assert.equal(main.code, 0, main.stdout + main.stderr)
      server.failNextTokenRequests(1)
      // Asking for more than the token has left forces an exchange, which the server fails.
      const failed = await job.run('token=$(binarly-token --min-validity 30)\necho "not reached: $token"')
      assert.equal(failed.code, 1)
      assert.equal(failed.stdout, '', 'something reached stdout, or the step went on')
      const lines = failed.stderr.split('\n').filter(l => l && !l.startsWith('::'))
      assert.equal(lines.length, 1, failed.stderr)
      assert.match(
        lines[0] ?? '',
        new RegExp(`^binarly-token: Token request to ${server.tokenEndpoint} for client "ci-post" failed: HTTP 503`)
      )
      // The next exchange works: a failure is not remembered. A token shorter-lived than asked is still
      // printed, with a warning.
      const short = ok(await job.run('binarly-token --min-validity 30'))
      const token = short.stdout.trim()
      assert.equal((await server.introspect(token)).active, true)
      assert.match(
        short.stderr,
        /::warning::binarly-token: this token is valid for less than the 30 s asked: the server issues tokens that live 5 s/
      )
      // The same ask again reuses the fresh token instead of an exchange per call.
      const before = server.tokenRequests().length
      const again = ok(await job.run('binarly-token --min-validity 30'))
      assert.equal(again.stdout.trim(), token)
      assert.equal(server.tokenRequests().length, before)

      const usage = await job.run('binarly-token --min-validity soon')
      assert.equal(usage.code, 2)
      assert.equal(usage.stdout, '')
      assert.match(usage.stderr, /--min-validity takes a whole number of seconds from 0 to 86400/)
      assert.ok(!usage.stderr.includes('soon'), 'the usage error repeats the argument')
      const help = ok(await job.run('binarly-token --help'))
      assert.match(help.stdout, /^Usage: binarly-token/)

      const post = await job.post(inputs({ retries: '0' }))
      assert.equal(post.code, 0)
      assert.equal((await server.introspect(token)).active, false)
      assertNoLeak(job)
    } finally {
      job.close()
    }
  })

  test('a token in argv by mistake: a usage error that says what is wrong and never repeats the argument', async () => {
    const job = startJob()
    try {
      const main = await job.main(inputs())
      assert.equal(main.code, 0, main.stdout + main.stderr)
      const token = main.outputs['access-token'] ?? ''
      assert.ok(token.length >= 16)
      const forms = formsOf(token)
      // The token where the command takes none: a positional, after --, as an option's value, an unknown
      // option's value, glued to a short option, and as an option name itself.
      for (const [args, says] of [
        [
          '--renew "$BINARLY_ACCESS_TOKEN"',
          /^binarly-token: argument 2 is not an option, .*printf '%s\\n' "\$token" \| binarly-token --renew\n/
        ],
        ['"$BINARLY_ACCESS_TOKEN"', /^binarly-token: argument 1 is not an option, /],
        ['--json -- "$BINARLY_ACCESS_TOKEN"', /^binarly-token: argument 3 is not an option, /],
        ['--min-validity "$BINARLY_ACCESS_TOKEN"', /^binarly-token: --min-validity takes a whole number of seconds/],
        ['--token="$BINARLY_ACCESS_TOKEN"', /^binarly-token: argument 1 is not an option binarly-token knows/],
        ['--renew="$BINARLY_ACCESS_TOKEN"', /^binarly-token: --renew \(argument 1\) takes no value/],
        ['"-h$BINARLY_ACCESS_TOKEN"', /^binarly-token: argument 1 is not an option binarly-token knows/],
        ['"--$BINARLY_ACCESS_TOKEN"', /^binarly-token: argument 1 is not an option binarly-token knows/]
      ] as const) {
        const usage = await job.run(`binarly-token ${args}`, { name: args })
        for (const form of forms) {
          assert.ok(!usage.stderr.includes(form) && !usage.stdout.includes(form), `${args}: the token was repeated`)
        }
        assert.equal(usage.code, 2, `${args}: ${usage.stderr}`)
        assert.equal(usage.stdout, '')
        assert.match(usage.stderr, says, args)
        if (!args.startsWith('--min-validity')) {
          assert.match(usage.stderr, /\nUsage: binarly-token /, `${args}: the usage follows`)
        }
      }
      const post = await job.post(inputs())
      assert.equal(post.code, 0)
      assertNoLeak(job)
    } finally {
      job.close()
    }
  })

  test('private_key_jwt: the key stays in the agent; refreshes sign new assertions', async () => {
    const job = startJob()
    try {
      const pkInputs = {
        'auth-url': server.issuer,
        'client-id': KEY_CLIENT.client_id,
        'auth-method': 'private_key_jwt',
        'private-key': PRIVATE_KEY,
        'signing-algorithm': 'ES256',
        'token-command': 'true',
        'min-validity': '2'
      }
      const main = await job.main(pkInputs)
      assert.equal(main.code, 0, main.stdout + main.stderr)
      await untilLeft(main.outputs['expires-at'] ?? '', 2)
      const fresh = ok(await job.run('binarly-token')).stdout.trim()
      assert.notEqual(fresh, main.outputs['access-token'])
      assert.equal((await server.introspect(fresh)).active, true)
      const last = server.tokenRequests().at(-1)
      assert.equal(last?.values.client_assertion_type, 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
      const post = await job.post(pkInputs)
      assert.equal(post.code, 0)
      assert.equal((await server.introspect(fresh)).active, false)
      assertNoLeak(job)
    } finally {
      job.close()
    }
  })
})

describe('sharing: a consumer job’s command starts from the shared token', () => {
  test('the shared token first (no request), its own exchange when it runs low; only its own tokens are revoked', async () => {
    const producer = startJob()
    const consumer = startJob()
    try {
      const shared = await producer.main(inputs({ share: 'true', 'token-command': 'false' }))
      assert.equal(shared.code, 0, shared.stdout + shared.stderr)
      const sharedToken = shared.outputs['access-token'] ?? ''
      const before = server.tokenRequests().length
      const main = await consumer.main(inputs({ 'shared-token': shared.outputs['shared-token'] ?? '' }))
      assert.equal(main.code, 0, main.stdout + main.stderr)
      const first = ok(await consumer.run('binarly-token'))
      assert.equal(first.stdout.trim(), sharedToken)
      assert.equal(server.tokenRequests().length, before, 'the consumer made a request for a valid shared token')

      await untilLeft(shared.outputs['expires-at'] ?? '', 2)
      const own = ok(await consumer.run('binarly-token')).stdout.trim()
      assert.notEqual(own, sharedToken)
      assert.equal(server.tokenRequests().length, before + 1)

      const since = server.requests.length
      const post = await consumer.post(inputs({ 'shared-token': shared.outputs['shared-token'] ?? '' }))
      assert.equal(post.code, 0, post.stdout + post.stderr)
      assert.equal(revocations(since).length, 1, 'only the token the consumer minted is revoked')
      assert.equal((await server.introspect(own)).active, false)
      assertNoLeak(consumer)
    } finally {
      producer.close()
      consumer.close()
    }
  })
})

describe('github_oidc: the agent asks GitHub for a new ID token itself', () => {
  test('a refresh presents a fresh GitHub token (the job env holds the request variables, no secret at all)', async () => {
    const github = await startGitHubOidc()
    const realm = await startFederatedRealm({ trustedIssuer: github.issuer, subject: SUBJECT })
    const job = startJob()
    try {
      const oidcInputs = {
        'auth-url': realm.tokenEndpoint,
        'client-id': 'binarly-github',
        'auth-method': 'github_oidc',
        'token-command': 'true'
      }
      const main = await job.main(oidcInputs, { env: github.env })
      assert.equal(main.code, 0, main.stdout + main.stderr)
      assert.equal(github.requests.length, 1)
      // The realm's tokens live 300 s: asking for more forces an exchange, with a new GitHub token.
      const fresh = ok(await job.run('binarly-token --min-validity 600', { env: github.env }))
      const token = fresh.stdout.trim()
      assert.notEqual(token, main.outputs['access-token'])
      assert.ok(realm.issued.includes(token))
      assert.deepEqual(
        github.requests.map(r => [r.audience, r.authorized, r.status]),
        [
          [realm.issuer, true, 200],
          [realm.issuer, true, 200]
        ]
      )
      assert.equal(realm.requests.at(-1)?.status, 200)
      assert.match(fresh.stderr, /the server issues tokens that live 300 s/)
      const post = await job.post(oidcInputs, { env: github.env })
      assert.equal(post.code, 0, post.stdout + post.stderr)
      for (const log of job.logs) {
        for (const secret of [github.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN, ...github.issued]) {
          assert.ok(!log.text.includes(secret), `a GitHub credential leaked into step ${log.name}`)
        }
      }
    } finally {
      job.close()
      await realm.close()
      await github.close()
    }
  })
})

describe('the agent ends by itself when the job is gone', () => {
  test('RUNNER_TEMP emptied (no post step): the agent exits and leaves nothing', async () => {
    const job = startJob()
    try {
      const main = await job.main(inputs())
      assert.equal(main.code, 0, main.stdout + main.stderr)
      const pid = Number(job.state['token-agent-pid'])
      rmSync(job.state['token-agent-dir'] ?? '', { recursive: true, force: true })
      assert.ok(await waitGone(pid), 'the agent outlived its directory')
      assert.deepEqual(processesWithEnv('RUNNER_TRACKING_ID', job.trackingId), [])
      // The post step then finds no agent: a warning (its tokens expire on their own), and still green.
      const post = await job.post(inputs())
      assert.equal(post.code, 0, post.stdout + post.stderr)
      assertAgentGone(post.warnings, 'ENOENT')
    } finally {
      job.close()
    }
  })

  test('SIGTERM (the runner cancelling the job): the agent stops and leaves nothing', async () => {
    const job = startJob()
    try {
      const main = await job.main(inputs())
      assert.equal(main.code, 0, main.stdout + main.stderr)
      const pid = Number(job.state['token-agent-pid'])
      process.kill(pid, 'SIGTERM')
      assert.ok(await waitGone(pid), 'the agent outlived SIGTERM')
      assert.deepEqual(processesWithEnv('RUNNER_TRACKING_ID', job.trackingId), [])
      const post = await job.post(inputs())
      assert.equal(post.code, 0, post.stdout + post.stderr)
      assertAgentGone(post.warnings, 'ENOENT')
    } finally {
      job.close()
    }
  })

  test('a post step whose inputs no longer read: a warning, the job stays green, and a second post step cleans up', async () => {
    const job = startJob()
    try {
      const main = await job.main(inputs())
      assert.equal(main.code, 0, main.stdout + main.stderr)
      // A token of the agent's own (asking for more than any token lives makes it exchange), to be revoked.
      const minted = await job.run('binarly-token --min-validity 86400')
      assert.equal(minted.code, 0, minted.stderr)
      const broken = await job.post({ ...inputs(), timeout: 'abc' })
      assert.equal(broken.code, 0, broken.stdout + broken.stderr)
      assert.match(broken.warnings.join('\n'), /^binarly-m2m-auth: binarly-token: timeout: "abc" is not a number/m)
      const post = await job.post(inputs())
      assert.equal(post.code, 0, post.stdout + post.stderr)
    } finally {
      job.close()
    }
  })

  test('a killed agent: the command says so and fails cleanly; the post step is still green and cleans up', async () => {
    const job = startJob()
    try {
      const main = await job.main(inputs())
      assert.equal(main.code, 0, main.stdout + main.stderr)
      const pid = Number(job.state['token-agent-pid'])
      process.kill(pid, 'SIGKILL')
      assert.ok(await waitGone(pid))
      const failed = await job.run('binarly-token')
      assert.equal(failed.code, 1)
      assert.equal(failed.stdout, '')
      assert.match(failed.stderr, /^binarly-token: the token agent of this job is not running \(ECONNREFUSED/)
      const post = await job.post(inputs())
      assert.equal(post.code, 0, post.stdout + post.stderr)
      assertAgentGone(post.warnings, 'ECONNREFUSED')
      assert.ok(!existsSync(job.state['token-agent-dir'] ?? ''))
      assert.deepEqual(filesUnder(job.temp), [])
    } finally {
      job.close()
    }
  })

  test('the runner process that started the main step is gone: the agent exits', async () => {
    const job = startJob()
    try {
      // A shell stands in for the runner worker: it runs the main step, then exits.
      const main = await job.main(inputs(), { viaShell: true })
      assert.equal(main.code, 0, main.stdout + main.stderr)
      const pid = Number(job.state['token-agent-pid'])
      assert.ok(await waitGone(pid), 'the agent outlived the process that started the main step')
      assert.ok(!existsSync(job.state['token-agent-dir'] ?? ''), 'the agent left its directory behind')
    } finally {
      job.close()
    }
  })
})
