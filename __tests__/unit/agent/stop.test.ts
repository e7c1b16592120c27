/**
 * The post step's stop of the token agent (stop.ts), against a listener that answers as the agent does and a
 * revocation endpoint on loopback that records what it is sent: which tokens are revoked (only those still
 * valid, at the endpoint the main step's state names), what the audit says of each, which process is waited
 * for and ended, and which directories are removed. Each is a decision that must fail closed.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { SHORT_SOCKET_PREFIX, type StopLine } from '../../../src/agent/protocol.ts'
import { stopTokenAgent, type CleanupDeps } from '../../../src/agent/stop.ts'
import type { Clock } from '../../../src/net/retry.ts'
import { testDeps, type Recorded } from '../../support/fake-core.ts'
import { provedAnswer, stopListener } from '../../support/stop-answer.ts'

const STOP_KEY = 's'.repeat(43)
const LATER = '2099-01-01T00:00:00.000Z'
const MINTED = '2026-01-01T00:00:00.000Z'
/** Still valid: revoked by the post step. */
const LIVE: StopLine = { source: 'binarly-token', mintedAt: MINTED, expiresAt: LATER, token: 'live-token-one' }
const NO_EXPIRY: StopLine = { source: 'renewal', mintedAt: MINTED, expiresAt: null, token: 'live-token-two' }
/** Expired (the agent sends no token then), and revoked by the renewal that replaced it. */
const EXPIRED: StopLine = { source: 'binarly-token', mintedAt: MINTED, expiresAt: '2026-01-01T00:05:00.000Z' }
const RENEWED: StopLine = { ...EXPIRED, source: 'renewal', revokedAtRenewal: '2026-01-01T00:04:00.000Z' }

let scratch: string
/** The loopback endpoints: /revoke records the tokens it is sent (and fails while `failing`), /id is GitHub's. */
let endpoint: Server
let base: string
const revoked: string[] = []
const audiences: string[] = []
let failing = false
before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'binarly-stop-'))
  endpoint = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => (body += chunk.toString()))
    request.on('end', () => {
      const url = new URL(request.url ?? '/', base)
      if (url.pathname === '/id') {
        audiences.push(url.searchParams.get('audience') ?? '')
        response.setHeader('content-type', 'application/json')
        return response.end(JSON.stringify({ value: 'github-id-token' }))
      }
      revoked.push(new URLSearchParams(body).get('token') ?? '')
      response.statusCode = failing ? 503 : 200
      response.end()
    })
  })
  await new Promise<void>(resolve => endpoint.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`
})
after(() => {
  endpoint.close()
  rmSync(scratch, { recursive: true, force: true })
})

let n = 0
interface Stop {
  rows: Awaited<ReturnType<typeof stopTokenAgent>>
  recorded: Recorded
  dir: string
  /** What the stop asked of the agent's process. */
  alive: number[]
  killed: number[]
}

/**
 * An agent directory whose socket (in `socketDir`, else the directory) answers the stop with `records` (proved
 * under the stop key unless `key` says otherwise), and the post step's stop of it with the main step's state
 * (`state` over it), the inputs (`inputs` over client_secret ones) and `deps` over the rest.
 */
async function stop(
  records: StopLine[],
  options: {
    state?: Record<string, string>
    inputs?: Record<string, string>
    socketDir?: string
    key?: string
    deps?: Partial<CleanupDeps>
    /** Whether the agent's process is still there, asked at the time the clock says. */
    running?: (elapsedMs: number) => boolean
  } = {}
): Promise<Stop> {
  const dir = join(scratch, `agent-${++n}`)
  mkdirSync(dir)
  const socket = join(options.socketDir ?? dir, 'agent.sock')
  const listener = await stopListener(socket, (request, connection) =>
    connection.end(provedAnswer(options.key ?? STOP_KEY, request.nonce, records))
  )
  const inputs = {
    'auth-url': base,
    'client-id': 'the-client',
    'client-secret': 'the-client-secret',
    ...options.inputs
  }
  const state = {
    'token-agent-dir': dir,
    'token-agent-socket': socket,
    'token-agent-stop-key': STOP_KEY,
    'token-agent-pid': '4242',
    'token-agent-wait-ms': '5000',
    'token-endpoint': `${base}/token`,
    'revocation-endpoint': `${base}/revoke`,
    ...options.state
  }
  const { deps, recorded } = testDeps(inputs, {}, { state })
  let now = 1_000_000
  const start = now
  const clock: Clock = { now: () => now, sleep: async ms => void (now += ms), random: () => 0 }
  const alive: number[] = []
  const killed: number[] = []
  try {
    const rows = await stopTokenAgent({
      ...deps,
      clock,
      alive: pid => {
        alive.push(pid)
        return killed.length === 0 && (options.running?.(now - start) ?? false)
      },
      kill: pid => void killed.push(pid),
      ...options.deps
    })
    return { rows, recorded, dir, alive, killed }
  } finally {
    listener.close()
  }
}

const messages = (recorded: Recorded, kind: string): string[] =>
  recorded.calls.filter(call => call[0] === kind).map(call => call[1])
const outcomes = (rows: Stop['rows']): string[] => rows.map(row => row.outcome)

describe('stopTokenAgent: which tokens are revoked', () => {
  test('only those still valid, each once; the audit says what became of every token the agent minted', async () => {
    revoked.length = 0
    const { rows, recorded } = await stop([LIVE, EXPIRED, NO_EXPIRY, RENEWED])
    assert.deepEqual(revoked, [LIVE.token, NO_EXPIRY.token])
    assert.deepEqual(rows, [
      { mintedBy: 'binarly-token', mintedAt: MINTED, expiresAt: LATER, outcome: 'revoked' },
      {
        mintedBy: 'binarly-token',
        mintedAt: MINTED,
        expiresAt: EXPIRED.expiresAt,
        outcome: 'expired before the post step'
      },
      { mintedBy: 'renewal', mintedAt: MINTED, expiresAt: undefined, outcome: 'revoked' },
      {
        mintedBy: 'renewal',
        mintedAt: MINTED,
        expiresAt: EXPIRED.expiresAt,
        outcome: 'revoked at its renewal (2026-01-01T00:04:00.000Z)'
      }
    ])
    assert.deepEqual(messages(recorded, 'info'), [
      'Stopped the token agent of binarly-token; it minted 4 tokens, 2 still valid.',
      `Revoked 2 of the 2 tokens binarly-token minted at ${base}/revoke.`
    ])
    // The stop key and every token are masked before anything at all is written (and nothing else is masked).
    const first = recorded.calls.findIndex(call => call[0] !== 'setSecret')
    assert.deepEqual(recorded.calls.slice(0, first), [
      ['setSecret', STOP_KEY],
      ['setSecret', LIVE.token],
      ['setSecret', NO_EXPIRY.token]
    ])
  })

  test('none still valid: no credential is sent anywhere, and the main step’s network is not even put back', async () => {
    revoked.length = 0
    let networks = 0
    let requests = 0
    const { rows, recorded } = await stop([EXPIRED, RENEWED], {
      deps: {
        network: async () => {
          networks++
          return undefined
        },
        transport: () => {
          requests++
          return Promise.reject(new Error('no request is made'))
        }
      }
    })
    assert.deepEqual([revoked, networks, requests], [[], 0, 0])
    assert.deepEqual(outcomes(rows), [
      'expired before the post step',
      'revoked at its renewal (2026-01-01T00:04:00.000Z)'
    ])
    assert.deepEqual(messages(recorded, 'info'), [
      'Stopped the token agent of binarly-token; it minted 2 tokens, 0 still valid.'
    ])
    assert.deepEqual(messages(recorded, 'warning'), [])
  })

  test('a revocation that fails: a warning that says until when the token stays valid, and the audit says so', async () => {
    revoked.length = 0
    failing = true
    try {
      const { rows, recorded } = await stop([LIVE, NO_EXPIRY], { inputs: { retries: '0' } })
      assert.deepEqual(revoked, [LIVE.token, NO_EXPIRY.token])
      assert.deepEqual(outcomes(rows), [
        'not revoked: the revocation failed (see the warnings)',
        'not revoked: the revocation failed (see the warnings)'
      ])
      const warnings = messages(recorded, 'warning')
      assert.equal(warnings.length, 2)
      assert.match(
        warnings[0] ?? '',
        /^binarly-m2m-auth: Could not revoke the token at .*It stays valid until 2099-01-01T00:00:00\.000Z;/
      )
      assert.match(
        warnings[1] ?? '',
        /^binarly-m2m-auth: Could not revoke the token at .*It stays valid until it expires;/
      )
      assert.match(messages(recorded, 'info').join('\n'), /^Revoked 0 of the 2 tokens/m)
    } finally {
      failing = false
    }
  })

  for (const [name, options, outcome] of [
    [
      'no revocation endpoint known',
      { state: { 'revocation-endpoint': '' } },
      'not revoked: no revocation endpoint is known'
    ],
    [
      'the main step’s network could not be put back',
      { deps: { network: async () => 'not revoked: the main step’s network could not be restored' } },
      'not revoked: the main step’s network could not be restored'
    ],
    ['revoke: false', { inputs: { revoke: 'false' } }, 'not revoked: revoke is false'],
    ['inputs that cannot be read', { inputs: { 'auth-url': '' } }, 'not revoked: the inputs could not be read']
  ] as const) {
    test(`${name}: nothing is sent, and the audit says why`, async () => {
      revoked.length = 0
      const { rows } = await stop([LIVE, EXPIRED], options)
      assert.deepEqual(revoked, [])
      assert.deepEqual(outcomes(rows), [outcome, 'expired before the post step'])
    })
  }

  test('github_oidc: the GitHub OIDC token is asked for the audience the main step used (its state)', async () => {
    revoked.length = 0
    audiences.length = 0
    const audience = 'https://kc.example.com/realms/from-the-main-step'
    const { rows } = await stop([LIVE], {
      inputs: { 'auth-method': 'github_oidc', 'client-secret': '' },
      state: { 'oidc-audience': audience },
      deps: {
        env: { ACTIONS_ID_TOKEN_REQUEST_URL: `${base}/id?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'gh' }
      }
    })
    assert.deepEqual(audiences, [audience])
    assert.deepEqual(revoked, [LIVE.token])
    assert.deepEqual(outcomes(rows), ['revoked'])
  })

  test('an answer that does not prove: nothing of it is revoked, masked or listed', async () => {
    revoked.length = 0
    const { rows, recorded, dir, alive } = await stop([LIVE], { key: 'not-the-stop-key' })
    assert.deepEqual(revoked, [])
    assert.deepEqual(alive, [])
    assert.ok(!recorded.calls.some(call => call[1].includes(LIVE.token ?? '')))
    assert.match(messages(recorded, 'warning').join('\n'), /could not stop the job's token agent: .*did not prove/)
    assert.deepEqual(outcomes(rows), ['unknown: the agent could not be reached or verified'])
    assert.ok(!existsSync(dir))
  })
})

describe('stopTokenAgent: the agent’s process and directories', () => {
  for (const pid of ['', '0', '-1', 'not a number']) {
    test(`a state whose process is ${JSON.stringify(pid)}: no process is asked after, or ended`, async () => {
      const { alive, killed } = await stop([EXPIRED], { state: { 'token-agent-pid': pid }, running: () => true })
      assert.deepEqual([alive, killed], [[], []])
    })
  }

  test('an agent that ends within 5 s of its answer is waited for, not ended', async () => {
    const { alive, killed, recorded } = await stop([EXPIRED], { running: elapsed => elapsed < 1000 })
    assert.deepEqual(killed, [])
    assert.ok(alive.length > 1 && alive.every(pid => pid === 4242))
    assert.ok(messages(recorded, 'debug').includes('The token agent (process 4242) has ended.'))
  })

  test('an agent still there 5 s after its answer is ended', async () => {
    // It would end a moment later: 5 s is what it gets.
    const { killed, recorded } = await stop([EXPIRED], { running: elapsed => elapsed <= 5000 })
    assert.deepEqual(killed, [4242])
    assert.ok(
      messages(recorded, 'debug').includes(
        'The token agent (process 4242) had not ended 5 s after its answer: killed it.'
      )
    )
  })

  test('the agent’s directory and its short socket directory are removed; no other directory is', async () => {
    const elsewhere = join(scratch, `elsewhere-${n}`)
    const short = join(scratch, `${SHORT_SOCKET_PREFIX}${n}`)
    for (const path of [elsewhere, short]) {
      mkdirSync(path)
      writeFileSync(join(path, 'kept'), '')
    }
    // A socket outside the agent's directory, in a directory that is not a short socket directory.
    const kept = await stop([EXPIRED], { socketDir: elsewhere })
    assert.ok(!existsSync(kept.dir))
    assert.ok(existsSync(join(elsewhere, 'kept')))
    const removed = await stop([EXPIRED], { socketDir: short })
    assert.ok(!existsSync(removed.dir))
    assert.ok(!existsSync(short))
  })
})
