/**
 * The token agent, the binarly-token command and the post step's clean-up, in-process against oidc-provider
 * (so coverage sees every branch): the agent's refusals, its watchdogs, the command's failure messages, and
 * the post step's defensive paths. The runner-style job is in token-command.e2e.test.ts.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import { createConnection, createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { AGENT_FILE, type AgentFile } from '../../src/agent/protocol.ts'
import { readConfig, type Config } from '../../src/common/config.ts'
import { alive } from '../../src/runner/processes.ts'
import { realClock } from '../../src/net/retry.ts'
import { startAgent, type AgentDeps, type AgentSetup, type RunningAgent } from '../../src/agent/server.ts'
import { runTokenCommand } from '../../src/agent/cli.ts'
import { stopTokenAgent } from '../../src/agent/stop.ts'
import { requestStop } from '../../src/agent/stop-request.ts'
import { AnswerProof, requestProof } from '../../src/agent/stop-proof.ts'
import { runPost } from '../../src/run-post.ts'
import { agentEnv, cmdScript, installTokenCommand, shScript } from '../../src/agent/start.ts'
import { httpTransport } from '../../src/net/transport.ts'
import { fakeCore, testDeps } from '../support/fake-core.ts'
import { CLIENTS, startOidcServer, type OidcServer } from '../support/oidc-server.ts'
import { NODE24, ROOT } from '../support/runner.ts'
import { TEST_DIST } from '../support/bundles.ts'
import { holdsPieceOf } from '../support/leaks.ts'

let server: OidcServer
let scratch: string
before(async () => {
  server = await startOidcServer({ ttl: 5 })
  scratch = mkdtempSync(join(tmpdir(), 'binarly-agent-'))
})
after(async () => {
  await server.close()
  rmSync(scratch, { recursive: true, force: true })
})

let n = 0
const KEY = 'k'.repeat(43)
const STOP_KEY = 's'.repeat(43)

function inputsFor(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'auth-url': server.issuer,
    'client-id': CLIENTS.post.id,
    'client-secret': CLIENTS.post.secret,
    'min-validity': '2',
    ...extra
  }
}

const EXPIRED: AgentSetup['token'] = {
  accessToken: 'expired',
  tokenType: 'Bearer',
  expiresIn: 5,
  expiresAt: new Date(0).toISOString(),
  scope: undefined
}

/** What the main step hands an agent whose directory (and socket) is `dir`. */
function setupFor(
  dir: string,
  config: Config,
  token: AgentSetup['token'],
  overrides: Partial<AgentSetup> = {}
): AgentSetup {
  return {
    config: { ...config, authUrl: config.authUrl.href },
    endpoints: undefined,
    token,
    sharedToken: false,
    socket: join(dir, 'agent.sock'),
    dir,
    cleanup: [dir],
    key: KEY,
    stopKey: STOP_KEY,
    watchPid: undefined,
    maxLifetimeMs: 60_000,
    ...overrides
  }
}

/** An agent in this process, with the main step's token from a real exchange skipped: an expired one. */
async function agent(
  extra: Record<string, string> = {},
  overrides: Partial<AgentDeps> = {},
  setupOverrides: Partial<AgentSetup> = {}
): Promise<{ running: RunningAgent; dir: string; exits: number[] }> {
  const dir = join(scratch, `agent-${++n}`)
  mkdirSync(dir)
  const config = readConfig(name => inputsFor(extra)[name], { readFile: () => '' })
  const exits: number[] = []
  const setup = setupFor(dir, config, EXPIRED, setupOverrides)
  const running = await startAgent(setup, {
    transport: httpTransport,
    clock: realClock,
    getIDToken: () => Promise.reject(new Error('no GitHub here')),
    trustCAs: () => 1,
    alive: () => true,
    exit: code => {
      exits.push(code)
    },
    watchEveryMs: 20,
    ...overrides
  })
  const file: AgentFile = { socket: setup.socket, key: KEY, timeoutMs: config.timeoutMs }
  writeFileSync(join(dir, AGENT_FILE), JSON.stringify(file))
  return { running, dir, exits }
}

/**
 * Runs binarly-token in-process against the agent in `dir` (with `stdin` on its standard input). `both` is the
 * two streams as one, in the order written: what a log shows when the caller does not capture stdout
 * (`binarly-token`, `| tee`, `2>&1`).
 */
async function command(dir: string | undefined, args: string[] = [], env: NodeJS.ProcessEnv = {}, stdin = '') {
  let stdout = ''
  let stderr = ''
  let both = ''
  const code = await runTokenCommand(args, dir === undefined ? env : { ...env, BINARLY_TOKEN_AGENT: dir }, {
    stdout: text => void ((stdout += text), (both += text)),
    stderr: text => void ((stderr += text), (both += text)),
    stdin: () => Promise.resolve(stdin),
    now: () => Date.now()
  })
  return { code, stdout, stderr, both }
}

/** The post step's stop, of the agent in `dir`: its token records. */
const stopAgent = (dir: string) => requestStop(join(dir, 'agent.sock'), STOP_KEY, 10_000)

/** Sends a raw line to the agent's socket and returns its answer. */
function raw(socket: string, line: string): Promise<string> {
  return new Promise(resolve => {
    const client = createConnection(socket)
    let answer = ''
    client.setEncoding('utf8')
    client.on('data', (chunk: string) => (answer += chunk))
    client.on('close', () => resolve(answer))
    client.on('error', () => resolve(answer))
    client.write(line)
  })
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/**
 * Connects, writes `first` (then `more` every 100 ms): whether the agent closed the connection within `ms`.
 * The connection is closed by the test either way.
 */
function closedWithin(socket: string, first: string, ms: number, more = ''): Promise<'closed' | 'open'> {
  return new Promise(resolve => {
    const client = createConnection(socket)
    const trickle = more ? setInterval(() => client.write(more), 100) : undefined
    const end = (result: 'closed' | 'open'): void => {
      clearTimeout(timer)
      clearInterval(trickle)
      client.destroy()
      resolve(result)
    }
    const timer = setTimeout(() => end('open'), ms)
    client.on('close', () => end('closed'))
    client.on('error', () => undefined)
    client.on('data', () => undefined)
    if (first) client.write(first)
  })
}

describe('the agent', () => {
  test('an expired initial token: discovery, then an exchange; --json counts expires_in', async () => {
    const { running, dir } = await agent()
    try {
      const json = await command(dir, ['--json'])
      assert.equal(json.code, 0, json.stderr)
      const parsed = JSON.parse(json.stdout) as { access_token: string; expires_in: number; scope: unknown }
      assert.equal((await server.introspect(parsed.access_token)).active, true)
      assert.ok(parsed.expires_in <= 5 && parsed.expires_in >= 3)
      assert.equal(parsed.scope, null)
      assert.equal(json.stderr, `::add-mask::${parsed.access_token}\n`)
      // On one stream the mask comes first: the token is never in a log before the runner knows to hide it.
      assert.equal(json.both, `::add-mask::${parsed.access_token}\n${json.stdout}`)
      const plain = await command(dir)
      assert.equal(plain.both, `::add-mask::${parsed.access_token}\n${parsed.access_token}\n`)
    } finally {
      running.server.close()
    }
  })

  test('a token without expiry: --json says null; --help; a fresh token shorter than asked is printed with a warning', async () => {
    const { running, dir } = await agent(
      {},
      {},
      {
        token: {
          accessToken: 'forever',
          tokenType: 'Bearer',
          expiresIn: undefined,
          expiresAt: undefined,
          scope: 'scan:read scan:write'
        }
      }
    )
    try {
      const json = await command(dir, ['--json'])
      assert.deepEqual(JSON.parse(json.stdout), {
        access_token: 'forever',
        token_type: 'Bearer',
        expires_in: null,
        expires_at: null,
        scope: 'scan:read scan:write'
      })
      const debug = await command(dir, [], { RUNNER_DEBUG: '1' })
      assert.match(
        debug.stderr,
        /^::add-mask::forever\n::debug::binarly-token: the current token, valid until the server did not say\n$/
      )
      const help = await command(dir, ['-h'])
      assert.equal(help.code, 0)
      assert.match(help.stdout, /^Usage: binarly-token \[--min-validity SECONDS\] \[--json\]/)
    } finally {
      running.server.close()
    }
    const short = await agent()
    try {
      const result = await command(short.dir, ['--min-validity', '30'], { RUNNER_DEBUG: '1' })
      assert.equal(result.code, 0)
      assert.match(result.stderr, /::debug::binarly-token: a new token, valid until 20\d\d-/)
      assert.match(
        result.stderr,
        /::warning::binarly-token: this token is valid for less than the 30 s asked: the server issues tokens that live 5 s/
      )
    } finally {
      short.running.server.close()
    }
  })

  test('refuses requests without the key, malformed ones, and overlong lines', async () => {
    const { running, dir } = await agent()
    const socket = join(dir, 'agent.sock')
    try {
      for (const line of [
        '{"key":"wrong","op":"token"}\n',
        'not json\n',
        'null\n',
        `{"key":"${KEY}","op":"dance"}\n`,
        `{"key":"${KEY}","op":"token","minValidity":-1}\n`,
        `{"key":"${KEY}","op":"token","minValidity":"60"}\n`,
        `{"key":5,"op":"token"}\n`,
        // A stop needs the proof of the stop key, not the callers' key; a nonce of the post step's length.
        `{"key":"${KEY}","op":"stop"}\n`,
        `{"op":"stop","nonce":"${'n'.repeat(43)}","proof":"${requestProof(KEY, 'n'.repeat(43))}"}\n`,
        `{"op":"stop","nonce":"${'n'.repeat(43)}"}\n`,
        // No part of the right proof passes for it: neither nothing, nor a prefix.
        `{"op":"stop","nonce":"${'n'.repeat(43)}","proof":""}\n`,
        `{"op":"stop","nonce":"${'n'.repeat(43)}","proof":"${requestProof(STOP_KEY, 'n'.repeat(43)).slice(0, 10)}"}\n`,
        `{"op":"stop","nonce":"short","proof":"${requestProof(STOP_KEY, 'short')}"}\n`,
        `{"op":"stop","nonce":"${'n'.repeat(300)}","proof":"${requestProof(STOP_KEY, 'n'.repeat(300))}"}\n`,
        `{"op":"stop","nonce":5,"proof":"x"}\n`
      ]) {
        assert.match(await raw(socket, line), /"ok":false,"error":"the request was refused/, line)
      }
      assert.equal(await raw(socket, 'x'.repeat(8 * 1024 * 1024 + 1)), '')
      // Two lines in one write: only the first is answered.
      const two = await raw(socket, `{"key":"${KEY}","op":"token","minValidity":0}\n{"key":"${KEY}","op":"stop"}\n`)
      assert.match(two, /^\{"ok":true,"token":/)
    } finally {
      running.server.close()
    }
  })

  test('the socket is bounded: a request line within its time, lines in bytes, connections capped, minValidity as the command bounds it (issue 27)', async () => {
    const { running, dir } = await agent({}, { maxConnections: 2, requestWaitMs: 1500 })
    const socket = join(dir, 'agent.sock')
    const held: ReturnType<typeof createConnection>[] = []
    try {
      for (const minValidity of [86_401, 1e300]) {
        const line = `{"key":"${KEY}","op":"token","minValidity":${minValidity}}\n`
        assert.match(await raw(socket, line), /"ok":false,"error":"the request was refused/, line)
      }
      // 8 MiB + 3 bytes of `€` are 2.8 million UTF-16 units: counted in bytes, the line is over the limit at once.
      assert.equal(
        await closedWithin(socket, '€'.repeat(Math.floor((8 * 1024 * 1024) / 3) + 1), 1000),
        'closed',
        'the line limit counts UTF-16 units'
      )
      // Nothing sent, or a request trickled: closed once the request's time is over.
      assert.equal(await closedWithin(socket, '', 8000), 'closed', 'an idle connection stays open')
      assert.equal(await closedWithin(socket, '{', 8000, ' '), 'closed', 'a trickled request holds its connection')
      // Two connections held open: a third is closed as it comes; once they go, requests are answered again.
      for (let i = 0; i < 2; i++) {
        const connection = createConnection(socket)
        connection.on('error', () => undefined)
        await new Promise(resolve => connection.once('connect', resolve))
        held.push(connection)
      }
      await sleep(100)
      assert.equal(await closedWithin(socket, '', 1000), 'closed', 'a connection over the cap was kept')
      for (const connection of held) connection.destroy()
      await sleep(100)
      assert.match(await raw(socket, `{"key":"${KEY}","op":"token","minValidity":0}\n`), /^\{"ok":true,"token":/)
    } finally {
      for (const connection of held) connection.destroy()
      running.server.close()
    }
  })

  test('an exchange that fails is reported to the caller; the setup’s endpoints are used without discovery', async () => {
    const { running, dir } = await agent(
      { retries: '0' },
      {},
      {
        endpoints: {
          tokenEndpoint: `${server.issuer}/nope`,
          revocationEndpoint: undefined,
          issuer: undefined,
          discoveredFrom: undefined
        }
      }
    )
    try {
      const failed = await command(dir)
      assert.equal(failed.code, 1)
      assert.equal(failed.stdout, '')
      assert.match(failed.stderr, /^binarly-token: Token request to http:\/\/127\.0\.0\.1:\d+\/nope .*HTTP 404/)
    } finally {
      running.server.close()
    }
  })

  test('github_oidc without a derivable audience: says which input to set', async () => {
    const { running, dir } = await agent(
      { 'auth-method': 'github_oidc', 'auth-url': `${server.issuer}/custom/token` },
      {},
      {}
    )
    try {
      const failed = await command(dir)
      assert.equal(failed.code, 1)
      assert.match(failed.stderr, /oidc-audience: could not be derived from auth-url/)
      assert.deepEqual(await stopAgent(dir), [])
    } finally {
      running.server.close()
    }
  })

  test('an exchange that hangs ends at the timeout input', async () => {
    const hung = await agent(
      { 'auth-method': 'github_oidc', 'oidc-audience': 'aud', timeout: '1' },
      { getIDToken: () => new Promise(() => undefined) }
    )
    try {
      const started = Date.now()
      const failed = await command(hung.dir)
      assert.equal(failed.code, 1)
      assert.match(failed.stderr, /getting a new token took longer than the timeout input \(1 s\)/)
      assert.ok(Date.now() - started < 10_000)
    } finally {
      hung.running.server.close()
    }
  })

  test('an exchange that finishes after its caller gave up: its token is handed to the post step all the same', async () => {
    // The token endpoint itself as auth-url: no discovery, one slow request.
    const slow = await agent(
      { timeout: '1', retries: '0', 'auth-url': `${server.issuer}/token` },
      {
        transport: async request => {
          await sleep(2500)
          return httpTransport(request)
        }
      }
    )
    const failed = await command(slow.dir)
    assert.match(failed.stderr, /getting a new token took longer than the timeout input \(1 s\)/)
    await sleep(1500)
    const records = await stopAgent(slow.dir)
    assert.equal(records.length, 1)
    const [record] = records
    assert.ok(record)
    assert.equal(record.source, 'binarly-token')
    assert.equal((await server.introspect(record.token ?? '')).active, true)
  })

  test('"stop" waits for an exchange whose caller gave up: the token it mints during the stop is handed over', async () => {
    let minted = false
    const slow = await agent(
      { timeout: '1', retries: '0', 'auth-url': `${server.issuer}/token` },
      {
        transport: async request => {
          await sleep(4000)
          const response = await httpTransport(request)
          minted = true
          return response
        }
      }
    )
    const failed = await command(slow.dir)
    assert.match(failed.stderr, /getting a new token took longer than the timeout input \(1 s\)/)
    // The caller gave up after 2 s; the exchange runs 2 s more, through the stop.
    assert.equal(minted, false)
    const records = await stopAgent(slow.dir)
    assert.equal(minted, true)
    assert.equal(records.length, 1)
    assert.equal((await server.introspect(records[0]?.token ?? '')).active, true)
  })

  test('"stop" waits for a running exchange, and refuses new requests meanwhile', async () => {
    let fail: (error: Error) => void = () => undefined
    const { dir, exits } = await agent(
      { 'auth-method': 'github_oidc', 'oidc-audience': 'aud' },
      { getIDToken: () => new Promise((_, reject) => (fail = reject)) }
    )
    const running = command(dir)
    await sleep(100)
    const stopping = stopAgent(dir)
    await sleep(100)
    const refused = await command(dir)
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /the job's post step is stopping the token agent/)
    assert.deepEqual(exits, [])
    fail(new Error('GitHub is down'))
    assert.equal((await running).code, 1)
    assert.deepEqual(await stopping, [])
    for (let i = 0; i < 50 && exits.length === 0; i++) await sleep(20)
    assert.deepEqual(exits, [0])
  })

  test('"stop" before any exchange: no tokens, only the proof; data after the request line is not read', async () => {
    const { dir, exits } = await agent()
    const socket = join(dir, 'agent.sock')
    const answer = await new Promise<string>(resolve => {
      const client = createConnection(socket)
      let text = ''
      client.setEncoding('utf8')
      client.on('data', (chunk: string) => (text += chunk))
      client.on('close', () => resolve(text))
      const nonce = 'n'.repeat(43)
      client.write(`${JSON.stringify({ op: 'stop', nonce, proof: requestProof(STOP_KEY, nonce) })}\n`)
      setTimeout(() => client.write('more\n'), 20)
    })
    assert.deepEqual(Object.keys(JSON.parse(answer) as object), ['end', 'count', 'proof'])
    for (let i = 0; i < 50 && exits.length === 0; i++) await sleep(20)
    assert.deepEqual(exits, [0])
  })

  test('ca-certificate is trusted in the agent too', async () => {
    let trusted = ''
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'
    const config = readConfig(name => inputsFor()[name], { readFile: () => '' })
    const { running } = await agent(
      {},
      { trustCAs: value => ((trusted = value), 1) },
      {
        config: { ...config, authUrl: config.authUrl.href, caCertificate: pem }
      }
    )
    running.server.close()
    assert.equal(trusted, pem)
  })

  for (const [why, overrides, setupOverrides, act] of [
    ['its directory is removed', {}, {}, (dir: string) => rmSync(dir, { recursive: true })],
    ['the runner process is gone', { alive: () => false }, { watchPid: 4242 }, () => undefined],
    ['its maximum lifetime is reached', {}, { maxLifetimeMs: 0 }, () => undefined]
  ] as const) {
    test(`ends by itself when ${why}`, async () => {
      const { running, dir, exits } = await agent({}, overrides, setupOverrides)
      act(dir)
      for (let i = 0; i < 100 && exits.length === 0; i++) await sleep(20)
      assert.deepEqual(exits, [0])
      // Stopping twice does nothing more.
      running.stop()
      assert.deepEqual(exits, [0])
    })
  }

  test('a socket that cannot be listened on fails the start', async () => {
    await assert.rejects(agent({}, {}, { socket: join(scratch, 'missing-dir', 'agent.sock') }), /EACCES|ENOENT/)
  })
})

describe('binarly-token --renew: the agent replaces a refused token by compare-and-swap', () => {
  const revocations = (): number => server.requests.filter(r => r.path === '/token/revocation').length
  /** Until the server says the token is inactive (the agent revokes it beside the exchange). */
  async function inactive(token: string): Promise<boolean> {
    for (let i = 0; i < 50; i++) {
      if ((await server.introspect(token)).active === false) return true
      await sleep(20)
    }
    return false
  }

  test('the current token refused: revoked at the server, one exchange; renewed already: the current one; a renewal is marked so for the post step', async () => {
    const { dir } = await agent()
    const first = await command(dir)
    const refused = first.stdout.trim()
    assert.equal((await server.introspect(refused)).active, true)
    const exchanges = server.tokenRequests().length
    const renewed = await command(dir, ['--renew', '--json'], { RUNNER_DEBUG: '1' }, `${refused}\n`)
    assert.equal(renewed.code, 0, renewed.stderr)
    const token = (JSON.parse(renewed.stdout) as { access_token: string }).access_token
    assert.notEqual(token, refused)
    assert.match(renewed.stderr, new RegExp(`^::add-mask::${token}\n::debug::binarly-token: a new token`))
    assert.equal(server.tokenRequests().length, exchanges + 1)
    assert.ok(await inactive(refused), 'the refused token was not revoked')
    assert.equal((await server.introspect(token)).active, true)
    // Another step renewing the same refused token later gets the new one: no exchange, no revocation.
    const revoked = revocations()
    const again = await command(dir, ['--renew'], {}, refused)
    assert.equal(again.stdout, `${token}\n`)
    assert.equal(server.tokenRequests().length, exchanges + 1)
    assert.equal(revocations(), revoked)
    // The stop answer: the refused token revoked at its renewal (no value left to revoke), the new one marked.
    const records = await stopAgent(dir)
    assert.deepEqual(
      records.map(r => [r.token, r.source, r.revokedAtRenewal !== undefined]),
      [
        [undefined, 'binarly-token', true],
        [token, 'renewal', false]
      ]
    )
  })

  test('a renewal first thing finds the endpoints itself, revokes a token without expiry too; revoke: false and no revocation endpoint revoke nothing', async () => {
    const forever = {
      token: {
        accessToken: 'forever',
        tokenType: 'Bearer',
        expiresIn: undefined,
        expiresAt: undefined,
        scope: undefined
      }
    }
    const first = await agent({}, {}, forever)
    try {
      const before = revocations()
      const renewed = await command(first.dir, ['--renew'], {}, 'forever\n')
      assert.equal(renewed.code, 0, renewed.stderr)
      assert.notEqual(renewed.stdout.trim(), 'forever')
      for (let i = 0; i < 50 && revocations() === before; i++) await sleep(20)
      assert.equal(revocations(), before + 1)
    } finally {
      first.running.server.close()
    }
    for (const extra of [{ revoke: 'false' }, { 'auth-url': server.tokenEndpoint }] as Record<string, string>[]) {
      const { running, dir } = await agent(extra, {}, forever)
      try {
        const before = revocations()
        const renewed = await command(dir, ['--renew'], {}, 'forever')
        assert.equal(renewed.code, 0, renewed.stderr)
        await sleep(100)
        assert.equal(revocations(), before, `a token was revoked with ${JSON.stringify(extra)}`)
      } finally {
        running.server.close()
      }
    }
  })

  test('a renewal whose revocation fails: the refused token is not marked revoked, and the post step gets its value to revoke', async () => {
    let failed = 0
    const { dir } = await agent(
      { retries: '0' },
      {
        // The revocation endpoint fails; every other request reaches the server.
        transport: async request => {
          if (!request.url.endsWith('/token/revocation')) return httpTransport(request)
          failed++
          return { status: 503, headers: { 'content-type': 'text/plain' }, body: 'down' }
        }
      }
    )
    const refused = (await command(dir)).stdout.trim()
    const renewed = await command(dir, ['--renew'], {}, `${refused}\n`)
    assert.equal(renewed.code, 0, renewed.stderr)
    for (let i = 0; i < 100 && failed === 0; i++) await sleep(20)
    assert.equal(failed, 1)
    // Past the failed revocation's own handling.
    await sleep(100)
    assert.equal((await server.introspect(refused)).active, true)
    const records = await stopAgent(dir)
    assert.deepEqual(
      records.map(r => [r.token, r.source, r.revokedAtRenewal]),
      [
        [refused, 'binarly-token', undefined],
        [renewed.stdout.trim(), 'renewal', undefined]
      ]
    )
  })

  test('without the refused token on standard input (or with more than a token): a usage error; malformed renew requests are refused', async () => {
    const { running, dir } = await agent()
    try {
      for (const stdin of ['', '  \n', 'two tokens\n']) {
        const result = await command(dir, ['--renew'], {}, stdin)
        assert.equal(result.code, 2)
        assert.equal(result.stdout, '')
        assert.match(
          result.stderr,
          /^binarly-token: --renew reads the refused token, and nothing else, on standard input: printf '%s\\n' "\$token" \| binarly-token --renew\n$/
        )
      }
      const socket = join(dir, 'agent.sock')
      for (const request of [
        { key: KEY, op: 'renew' },
        { key: KEY, op: 'renew', refused: '' },
        { key: KEY, op: 'renew', refused: 'x', minValidity: -1 }
      ]) {
        assert.match(await raw(socket, `${JSON.stringify(request)}\n`), /the request was refused/)
      }
      const asked = await command(dir, ['--renew', '--min-validity', '1'], {}, 'not-the-current-token')
      assert.equal(asked.code, 0, asked.stderr)
    } finally {
      running.server.close()
    }
  })
})

describe('the command', () => {
  test('without BINARLY_TOKEN_AGENT it says how to run it', async () => {
    const result = await command(undefined)
    assert.equal(result.code, 1)
    assert.match(result.stderr, /^binarly-token: BINARLY_TOKEN_AGENT is not set/)
  })

  test('unknown options and bad --min-validity are usage errors (exit 2)', async () => {
    const secret = 'eyJhbGciOi.not-to-be-repeated.c2ln'
    for (const args of [
      ['--nope'],
      ['--min-validity', '1.5'],
      ['--min-validity', '90000'],
      ['--min-validity='],
      ['--min-validity'],
      ['--renew', secret],
      ['--', secret],
      [`--${secret}`],
      [`--json=${secret}`],
      ['--toString'],
      [`-h${secret}`]
    ]) {
      const result = await command(scratch, args)
      assert.equal(result.code, 2, args.join(' '))
      assert.equal(result.stdout, '')
      assert.match(result.stderr, /^binarly-token: (argument \d|--)/)
      assert.ok(!result.stderr.includes('not-to-be-repeated'), `${args.join(' ')}: an argument was repeated`)
    }
  })

  test('an agent directory without its file: the agent is gone', async () => {
    const result = await command(join(scratch, 'nothing-here'))
    assert.equal(result.code, 1)
    assert.match(result.stderr, /the token agent of this job is gone \(.*ENOENT\): the post step/)
  })

  test('an agent that never answers, or answers garbage, or too much', async () => {
    const dir = join(scratch, 'silent')
    mkdirSync(dir)
    const socket = join(dir, 'silent.sock')
    let mode: 'silent' | 'garbage' | 'flood' = 'silent'
    const listener = createServer(connection => {
      connection.on('error', () => undefined)
      if (mode === 'garbage') connection.end('not json\n')
      if (mode === 'flood') connection.write('x'.repeat(8 * 1024 * 1024 + 1))
    })
    await new Promise<void>(resolve => listener.listen(socket, resolve))
    // timeoutMs -4.5 s: the command waits timeout + 5 s, so half a second here.
    writeFileSync(join(dir, AGENT_FILE), JSON.stringify({ socket, key: KEY, timeoutMs: -4500 }))
    try {
      const silent = await command(dir)
      assert.match(silent.stderr, /the token agent did not answer within 1 s/)
      mode = 'garbage'
      assert.match((await command(dir)).stderr, /closed the connection without an answer/)
      // 8 MiB take a while on a loaded machine: this one is given the time.
      mode = 'flood'
      writeFileSync(join(dir, AGENT_FILE), JSON.stringify({ socket, key: KEY, timeoutMs: 10_000 }))
      assert.match((await command(dir)).stderr, /answered with more than a line/)
    } finally {
      listener.close()
    }
  })
})

describe('the main step starts the agent (installTokenCommand)', () => {
  const config = () => ({ ...readConfig(name => inputsFor()[name], { readFile: () => '' }), tokenCommand: true })
  const token = {
    accessToken: 'main-token',
    tokenType: 'Bearer',
    expiresIn: 300,
    expiresAt: new Date(Date.now() + 300_000),
    scope: undefined
  }

  test('a RUNNER_TEMP too deep for a Unix socket: the socket goes to a short directory; the post step stops the agent', async () => {
    const deep = join(scratch, 'd'.repeat(60), 'e'.repeat(40))
    mkdirSync(deep, { recursive: true })
    const { core, recorded } = fakeCore()
    await installTokenCommand(config(), undefined, token, {
      core,
      env: {
        RUNNER_TEMP: deep,
        INPUT_CLIENT_SECRET: 'x',
        ...(process.env.NODE_V8_COVERAGE ? { NODE_V8_COVERAGE: process.env.NODE_V8_COVERAGE } : {})
      },
      nodePath: NODE24,
      bundleRoot: TEST_DIST,
      platform: 'linux',
      parentPid: 1
    })
    const dir = recorded.state['token-agent-dir'] ?? ''
    assert.ok(dir.startsWith(deep))
    const file = JSON.parse(readFileSync(join(dir, AGENT_FILE), 'utf8')) as AgentFile
    assert.ok(file.socket.startsWith(tmpdir()) && !file.socket.startsWith(deep))
    const result = await command(dir)
    assert.equal(result.stdout, 'main-token\n')
    const cleanup = testDeps(inputsFor(), {}, { state: recorded.state })
    await stopTokenAgent({ ...cleanup.deps, alive: () => false, kill: () => undefined })
    assert.match(cleanup.recorded.calls.map(c => c[1]).join('\n'), /minted 0 tokens, 0 still valid/)
    assert.ok(!existsSync(dir) && !existsSync(dirname(file.socket)))
  })

  test('SIGTERM ends the agent cleanly: it removes its directories', async () => {
    const { core, recorded } = fakeCore()
    const temp = mkdtempSync(join(scratch, 'temp-'))
    await installTokenCommand(config(), undefined, token, {
      core,
      env: {
        RUNNER_TEMP: temp,
        ...(process.env.NODE_V8_COVERAGE ? { NODE_V8_COVERAGE: process.env.NODE_V8_COVERAGE } : {})
      },
      nodePath: NODE24,
      bundleRoot: TEST_DIST,
      platform: 'linux',
      parentPid: 1
    })
    const pid = Number(recorded.state['token-agent-pid'])
    process.kill(pid, 'SIGTERM')
    for (let i = 0; i < 200 && alive(pid); i++) await sleep(25)
    assert.equal(alive(pid), false)
    assert.deepEqual(readdirSync(temp), [])
  })

  test('a killed agent of a deep RUNNER_TEMP: the post step removes its socket directory too', async () => {
    const deep = join(scratch, 'f'.repeat(60), 'g'.repeat(40))
    mkdirSync(deep, { recursive: true })
    const { core, recorded } = fakeCore()
    await installTokenCommand(config(), undefined, token, {
      core,
      env: {
        RUNNER_TEMP: deep,
        ...(process.env.NODE_V8_COVERAGE ? { NODE_V8_COVERAGE: process.env.NODE_V8_COVERAGE } : {})
      },
      nodePath: NODE24,
      bundleRoot: TEST_DIST,
      platform: 'linux',
      parentPid: 1
    })
    const dir = recorded.state['token-agent-dir'] ?? ''
    const file = JSON.parse(readFileSync(join(dir, AGENT_FILE), 'utf8')) as AgentFile
    const pid = Number(recorded.state['token-agent-pid'])
    process.kill(pid, 'SIGKILL')
    while (alive(pid)) await sleep(20)
    const cleanup = testDeps(inputsFor(), {}, { state: recorded.state })
    await stopTokenAgent({ ...cleanup.deps, alive, kill: () => undefined })
    assert.match(
      cleanup.recorded.calls.map(c => c[1]).join('\n'),
      // Refused, or reset while the kernel is still closing the killed agent's socket.
      /could not stop the job's token agent: nothing answers at its socket \(E[A-Z]+\)/
    )
    assert.ok(!existsSync(dir) && !existsSync(dirname(file.socket)))
  })

  test('an agent whose main step closes the IPC pipe before the agent has closed it lives on', async () => {
    // Here the agent's "ready" meets a closed pipe (EPIPE). The order that ended the agent under Wine (the
    // pipe closed by the main step between the agent's send and its callback, so that the agent's own
    // disconnect() raised ERR_IPC_DISCONNECTED) depends on when the write completes, which Linux does not
    // delay: closeIpc's unit test and `npm run test:windows` cover it.
    const dir = mkdtempSync(join(scratch, 'ipc-'))
    const setup = setupFor(dir, config(), { ...token, expiresAt: token.expiresAt.toISOString() })
    const child = spawn(NODE24, [join(TEST_DIST, 'agent', 'index.js')], {
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      env: agentEnv(process.env)
    })
    const exits: (number | null)[] = []
    child.on('exit', code => exits.push(code))
    child.send(setup, () => child.disconnect())
    writeFileSync(join(dir, AGENT_FILE), JSON.stringify({ socket: setup.socket, key: KEY, timeoutMs: 5000 }))
    for (let i = 0; i < 200 && !existsSync(setup.socket) && !exits.length; i++) await sleep(25)
    await sleep(200)
    assert.deepEqual(exits, [], 'the agent ended')
    assert.equal((await command(dir)).stdout, 'main-token\n')
    rmSync(dir, { recursive: true, force: true })
    for (let i = 0; i < 200 && !exits.length; i++) await sleep(25)
    assert.deepEqual(exits, [0], 'the agent ends with its directory')
  })

  test('Windows: a named pipe and the .cmd script; no RUNNER_TEMP: the system temp directory', async () => {
    const { core, recorded } = fakeCore()
    await installTokenCommand(config(), undefined, token, {
      core,
      env: { ...(process.env.NODE_V8_COVERAGE ? { NODE_V8_COVERAGE: process.env.NODE_V8_COVERAGE } : {}) },
      nodePath: NODE24,
      bundleRoot: TEST_DIST,
      platform: 'win32',
      parentPid: 1
    })
    const dir = recorded.state['token-agent-dir'] ?? ''
    try {
      assert.ok(dir.startsWith(join(tmpdir(), 'binarly-token-')))
      assert.equal(recorded.outputs['token-command'], join(dir, 'bin', 'binarly-token.cmd'))
      assert.equal(recorded.env.BINARLY_TOKEN_COMMAND, recorded.outputs['token-command'])
      const file = JSON.parse(readFileSync(join(dir, AGENT_FILE), 'utf8')) as AgentFile
      assert.match(file.socket, /^\\\\\.\\pipe\\binarly-token-[0-9a-f]{32}$/)
    } finally {
      // (On Linux the pipe name is a socket file in the agent's working directory; removing the agent's
      // directory ends it, and it removes that socket.)
      rmSync(dir, { recursive: true, force: true })
      const pid = Number(recorded.state['token-agent-pid'])
      for (let i = 0; i < 200 && alive(pid); i++) await sleep(50)
      assert.equal(alive(pid), false)
    }
  })

  test('no bundled agent (src/ run by @github/local-action): says what to do, before anything starts', async () => {
    const temp = mkdtempSync(join(scratch, 'temp-'))
    const { core } = fakeCore()
    await assert.rejects(
      installTokenCommand(config(), undefined, token, {
        core,
        env: {
          RUNNER_TEMP: temp,
          ...(process.env.NODE_V8_COVERAGE ? { NODE_V8_COVERAGE: process.env.NODE_V8_COVERAGE } : {})
        },
        nodePath: NODE24,
        bundleRoot: join(ROOT, 'no-such-dist'),
        platform: 'linux',
        parentPid: process.pid
      }),
      /^InputError: token-command: needs the action's bundled programs, and .*no-such-dist\/agent\/index\.js does not exist: .*set token-command: false/
    )
    assert.deepEqual(readdirSync(temp), [])
  })

  test('an agent that cannot start: the step fails with what to do, and nothing is left', async () => {
    const temp = mkdtempSync(join(scratch, 'temp-'))
    const root = join(scratch, 'broken-dist')
    for (const program of ['agent', 'token']) {
      mkdirSync(join(root, program), { recursive: true })
      writeFileSync(join(root, program, 'index.js'), 'process.exit(1)\n')
    }
    const { core } = fakeCore()
    await assert.rejects(
      installTokenCommand(config(), undefined, token, {
        core,
        env: {
          RUNNER_TEMP: temp,
          ...(process.env.NODE_V8_COVERAGE ? { NODE_V8_COVERAGE: process.env.NODE_V8_COVERAGE } : {})
        },
        nodePath: NODE24,
        bundleRoot: root,
        platform: 'linux',
        parentPid: process.pid
      }),
      /token-command: the token agent did not start \(it exited with code 1\)\. Set token-command: false/
    )
    assert.deepEqual(readdirSync(temp), [])
  })

  test('an agent that is refused its setup says why', async () => {
    const temp = mkdtempSync(join(scratch, 'temp-'))
    const { core } = fakeCore()
    // A ca-certificate the agent cannot use (readConfig would have refused it): the agent says why.
    const bad = { ...config(), caCertificate: 'not a certificate' }
    await assert.rejects(
      installTokenCommand(bad, undefined, token, {
        core,
        env: {
          RUNNER_TEMP: temp,
          ...(process.env.NODE_V8_COVERAGE ? { NODE_V8_COVERAGE: process.env.NODE_V8_COVERAGE } : {})
        },
        nodePath: NODE24,
        bundleRoot: TEST_DIST,
        platform: 'linux',
        parentPid: process.pid
      }),
      /the token agent did not start \(ca-certificate: holds no PEM certificate/
    )
  })

  test('the scripts quote what they hold; the agent keeps no INPUT_* variable', () => {
    assert.equal(
      shScript("/n'o de", '/b/index.js', '/d'),
      `#!/bin/sh\n# binarly-token (binarly-m2m-auth token-command): prints an access token for this job.\nBINARLY_TOKEN_AGENT='/d'\nexport BINARLY_TOKEN_AGENT\nexec '/n'\\''o de' '/b/index.js' "$@"\n`
    )
    assert.match(
      cmdScript('C:\\node.exe', 'C:\\a%b\\index.js', 'C:\\t'),
      /"C:\\node\.exe" "C:\\a%%b\\index\.js" %\*\r\nexit \/b %ERRORLEVEL%\r\n$/
    )
    // Delayed expansion off, whatever the caller's: a ! in a path stays (run under Wine by test:windows).
    assert.match(
      cmdScript('C:\\node.exe', 'C:\\b\\index.js', 'C:\\t!x!'),
      /\r\nsetlocal EnableExtensions DisableDelayedExpansion\r\nset "BINARLY_TOKEN_AGENT=C:\\t!x!"\r\n/
    )
    assert.deepEqual(
      agentEnv({ PATH: '/bin', INPUT_CLIENT_SECRET: 's', Https_Proxy: 'p', SECRET: 'x', RUNNER_TRACKING_ID: 't' }),
      { PATH: '/bin', Https_Proxy: 'p', RUNNER_TRACKING_ID: 't' }
    )
  })
})

describe('the post step stops the agent (stopTokenAgent)', () => {
  /**
   * An agent that minted one token, and the post step's deps for it: the state as the main step leaves it
   * (its endpoints: those of the setup, empty for a main step that reused a shared-token).
   */
  async function minted(
    extra: Record<string, string> = {},
    setupOverrides: Partial<AgentSetup> = {},
    inputs: Record<string, string> = inputsFor(extra),
    stateOverrides: Record<string, string> = {}
  ) {
    const started = await agent(extra, {}, setupOverrides)
    const result = await command(started.dir)
    assert.equal(result.code, 0, result.stderr)
    const token = result.stdout.trim()
    const state = {
      'token-agent-dir': started.dir,
      'token-agent-pid': '424242',
      'token-agent-socket': join(started.dir, 'agent.sock'),
      'token-agent-stop-key': STOP_KEY,
      'token-agent-wait-ms': '10000',
      'token-endpoint': setupOverrides.endpoints?.tokenEndpoint ?? '',
      'revocation-endpoint': setupOverrides.endpoints?.revocationEndpoint ?? '',
      ...stateOverrides
    }
    const post = testDeps(inputs, {}, { state })
    return { ...started, token, post }
  }
  const text = (calls: [string, string][], kind: string): string =>
    calls
      .filter(c => c[0] === kind)
      .map(c => c[1])
      .join('\n')

  test('revokes what the agent minted; an agent that does not exit is ended', async () => {
    const { token, post, exits, dir } = await minted()
    let now = Date.now()
    const killed: number[] = []
    const rows = await stopTokenAgent({
      ...post.deps,
      clock: { now: () => now, sleep: async ms => void (now += ms), random: () => 0 },
      alive: () => killed.length === 0,
      kill: pid => void killed.push(pid)
    })
    assert.deepEqual(exits, [0])
    assert.deepEqual(killed, [424242])
    assert.equal((await server.introspect(token)).active, false)
    assert.match(text(post.recorded.calls, 'info'), /Revoked 1 of the 1 tokens binarly-token minted/)
    assert.match(text(post.recorded.calls, 'debug'), /had not ended 5 s after its answer: killed it/)
    assert.deepEqual(
      rows.map(row => [row.mintedBy, row.outcome]),
      [['binarly-token', 'revoked']]
    )
    // The token, the stop key and the client secret are masked before anything is written.
    for (const secret of [token, STOP_KEY, CLIENTS.post.secret])
      assert.ok(post.recorded.calls.some(c => c[0] === 'setSecret' && c[1] === secret))
    assert.deepEqual(readdirSync(scratch).includes(dir), false)
  })

  test('revoke: false keeps them', async () => {
    const { token, post } = await minted({ revoke: 'false' })
    const rows = await stopTokenAgent({ ...post.deps, alive: () => false, kill: () => undefined })
    assert.equal((await server.introspect(token)).active, true)
    assert.match(text(post.recorded.calls, 'debug'), /skipped: revoke is false/)
    assert.match(text(post.recorded.calls, 'debug'), /The token agent \(process 424242\) has ended\./)
    assert.deepEqual(
      rows.map(row => row.outcome),
      ['not revoked: revoke is false']
    )
  })

  test('no revocation endpoint known: skipped with a debug line', async () => {
    const authUrl = `${server.issuer}/token`
    const { token, post } = await minted({ 'auth-url': authUrl }, {}, inputsFor({ 'auth-url': authUrl }), {
      'token-endpoint': authUrl
    })
    await stopTokenAgent({ ...post.deps, alive: () => false, kill: () => undefined })
    assert.equal((await server.introspect(token)).active, true)
    assert.match(text(post.recorded.calls, 'debug'), /skipped: no revocation endpoint is known/)
  })

  test('a revocation that fails is a warning; http:// elsewhere than loopback is warned about', async () => {
    const { post } = await minted(
      { retries: '0', 'allow-http': 'true' },
      {
        endpoints: {
          tokenEndpoint: `${server.issuer}/token`,
          revocationEndpoint: 'http://revoke.invalid/revoke',
          issuer: undefined,
          discoveredFrom: undefined
        }
      }
    )
    await stopTokenAgent({ ...post.deps, alive: () => false, kill: () => undefined })
    const warnings = text(post.recorded.calls, 'warning')
    assert.match(warnings, /allow-http is true: credentials are sent in clear text to http:\/\/revoke\.invalid/)
    assert.match(warnings, /binarly-m2m-auth: Could not revoke the token at http:\/\/revoke\.invalid\/revoke/)
    assert.match(text(post.recorded.calls, 'info'), /Revoked 0 of the 1 tokens/)
  })

  test('ca-certificate is trusted for the revocation too', async () => {
    const { post } = await minted()
    let trusted = 0
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'
    await stopTokenAgent({
      ...post.deps,
      inputs: name => ({ ...inputsFor(), 'ca-certificate': pem })[name],
      trustCAs: async () => ++trusted,
      alive: () => false,
      kill: () => undefined
    })
    assert.equal(trusted, 1)
  })

  test('a minted token without expiry is revoked too; an agent directory already gone is fine', async () => {
    const revoked: string[] = []
    const endpoint = createHttpServer((request, response) => {
      let body = ''
      request.on('data', (chunk: Buffer) => (body += chunk.toString()))
      request.on('end', () => {
        response.setHeader('content-type', 'application/json')
        if (request.url === '/revoke') revoked.push(new URLSearchParams(body).get('token') ?? '')
        response.end(
          request.url === '/revoke' ? '' : JSON.stringify({ access_token: 'no-expiry', token_type: 'Bearer' })
        )
      })
    })
    await new Promise<void>(resolve => endpoint.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`
    try {
      const { token, post } = await minted(
        {},
        {
          endpoints: {
            tokenEndpoint: `${base}/token`,
            revocationEndpoint: `${base}/revoke`,
            issuer: undefined,
            discoveredFrom: undefined
          }
        }
      )
      assert.equal(token, 'no-expiry')
      await stopTokenAgent({ ...post.deps, alive: () => false, kill: () => undefined })
      assert.deepEqual(revoked, ['no-expiry'])
      // A second post step (or one after the directory vanished) finds nothing, and warns.
      const rows = await stopTokenAgent({ ...post.deps, alive: () => false, kill: () => undefined })
      assert.match(
        text(post.recorded.calls, 'warning'),
        /could not stop the job's token agent: nothing answers at its socket \(ENOENT\)/
      )
      assert.deepEqual(rows, [
        {
          mintedBy: 'binarly-token',
          mintedAt: undefined,
          expiresAt: undefined,
          outcome: 'unknown: the agent could not be reached or verified'
        }
      ])
    } finally {
      endpoint.close()
    }
  })

  test('runPost: inputs broken in the post step are a warning, the agent is stopped all the same', async () => {
    const { token, post, exits } = await minted({}, {}, {})
    await runPost(post.deps)
    for (let i = 0; i < 50 && exits.length === 0; i++) await sleep(20)
    assert.deepEqual(exits, [0])
    assert.equal((await server.introspect(token)).active, true)
    assert.match(text(post.recorded.calls, 'warning'), /^binarly-m2m-auth: binarly-token: auth-url: is empty/)
    assert.match(text(post.recorded.calls, 'debug'), /Revocation skipped: the main step left no token/)
    assert.match(
      post.recorded.summaries.join('\n'),
      /\| binarly-token \| .* \| not revoked: the inputs could not be read \|/
    )
  })

  test('runPost: revocations that fail are warnings; the audit says so, and holds no piece of any token', async () => {
    const { token, post } = await minted({ retries: '0' }, {}, inputsFor({ retries: '0' }), {
      token: 'the-main-steps-token-0123456789abcdef',
      'issued-at': new Date().toISOString(),
      'token-endpoint': server.tokenEndpoint,
      'revocation-endpoint': server.revocationEndpoint
    })
    const revocations: string[] = []
    const failing = async (request: Parameters<typeof httpTransport>[0]) => {
      if (!request.url.endsWith('/token/revocation')) return httpTransport(request)
      revocations.push(request.url)
      return { status: 503, headers: { 'content-type': 'text/plain' }, body: 'down' }
    }
    // The own token's failed revocation is a warning in runPost itself, so the agent is still stopped after it.
    await runPost({ ...post.deps, transport: failing })
    assert.equal(revocations.length, 2)
    assert.equal((await server.introspect(token)).active, true)
    assert.match(text(post.recorded.calls, 'warning'), /^binarly-m2m-auth: Could not revoke the token at .*HTTP 503/)
    const summary = post.recorded.summaries.join('\n')
    assert.match(summary, /\| main step \| .* \| not revoked: the revocation failed \(see the warnings\) \|/)
    assert.match(summary, /\| binarly-token \| .* \| not revoked: the revocation failed \(see the warnings\) \|/)
    for (const value of [token, 'the-main-steps-token-0123456789abcdef'])
      assert.ok(!holdsPieceOf(summary, value), 'a piece of a token is in the job summary')
  })

  test('a discovery that fails in the post step (the main step reused a shared-token) is a warning', async () => {
    const endpoints = {
      tokenEndpoint: `${server.issuer}/token`,
      revocationEndpoint: undefined,
      issuer: undefined,
      discoveredFrom: undefined
    }
    const { token, post } = await minted(
      {},
      { endpoints },
      inputsFor({ 'auth-url': `${server.issuer}/realms/none`, retries: '0' }),
      { 'token-endpoint': '' }
    )
    const rows = await stopTokenAgent({ ...post.deps, alive: () => false, kill: () => undefined })
    assert.equal((await server.introspect(token)).active, true)
    assert.match(text(post.recorded.calls, 'warning'), /^binarly-m2m-auth: binarly-token: .*openid-configuration/)
    assert.equal(rows[0]?.outcome, 'not revoked: no revocation endpoint could be found')
  })

  test('a token that expired before the stop is listed, not revoked', async () => {
    const clock = { now: Date.now() }
    // The agent lives longer than the hour its clock jumps: else its watch may end it before the stop arrives.
    const started = await agent(
      {},
      { clock: { now: () => clock.now, sleep: ms => realClock.sleep(ms), random: () => 0 } },
      { maxLifetimeMs: 2 * 3600_000 }
    )
    assert.equal((await command(started.dir)).code, 0)
    clock.now += 3600_000
    const post = testDeps(
      inputsFor(),
      {},
      {
        state: {
          'token-agent-dir': started.dir,
          'token-agent-socket': join(started.dir, 'agent.sock'),
          'token-agent-stop-key': STOP_KEY
        }
      }
    )
    const rows = await stopTokenAgent({ ...post.deps, alive: () => false, kill: () => undefined })
    assert.deepEqual(
      rows.map(row => [row.mintedBy, row.outcome]),
      [['binarly-token', 'expired before the post step']]
    )
    assert.match(text(post.recorded.calls, 'info'), /it minted 1 token, 0 still valid/)
  })

  test('runPost: a clean-up that throws (a revocation endpoint against the http:// rule) is a warning', async () => {
    const { post } = await minted({}, {}, inputsFor(), {
      'token-endpoint': 'http://revoke.invalid/token',
      'revocation-endpoint': 'http://revoke.invalid/revoke'
    })
    await runPost(post.deps)
    assert.match(text(post.recorded.calls, 'warning'), /^binarly-m2m-auth: binarly-token: .*http:\/\/revoke\.invalid/m)
  })

  test('a token a renewal revoked already is listed as such, not revoked again', async () => {
    const dir = join(scratch, 'renewed')
    mkdirSync(dir)
    const socket = join(dir, 'agent.sock')
    const record = {
      source: 'renewal',
      mintedAt: '2026-01-01T00:00:00.000Z',
      expiresAt: '2099-01-01T00:00:00.000Z',
      revokedAtRenewal: '2026-01-01T00:05:00.000Z'
    }
    const listener = createServer(connection => {
      connection.setEncoding('utf8')
      connection.once('data', (line: string) => {
        const { nonce } = JSON.parse(line) as { nonce: string }
        const proof = new AnswerProof(STOP_KEY, nonce)
        proof.line(JSON.stringify(record))
        connection.end(`${JSON.stringify(record)}\n${JSON.stringify({ end: true, count: 1, proof: proof.proof() })}\n`)
      })
    })
    await new Promise<void>(resolve => listener.listen(socket, resolve))
    try {
      const post = testDeps(
        inputsFor(),
        {},
        {
          state: { 'token-agent-dir': dir, 'token-agent-socket': socket, 'token-agent-stop-key': STOP_KEY }
        }
      )
      const rows = await stopTokenAgent({ ...post.deps, alive: () => false, kill: () => undefined })
      assert.deepEqual(rows, [
        {
          mintedBy: 'renewal',
          mintedAt: record.mintedAt,
          expiresAt: record.expiresAt,
          outcome: 'revoked at its renewal (2026-01-01T00:05:00.000Z)'
        }
      ])
      assert.ok(!existsSync(dir))
    } finally {
      listener.close()
    }
  })

  test('no agent state: nothing to do', async () => {
    const post = testDeps(inputsFor())
    await stopTokenAgent({ ...post.deps, alive: () => false, kill: () => undefined })
    assert.deepEqual(post.recorded.calls, [])
  })
})
