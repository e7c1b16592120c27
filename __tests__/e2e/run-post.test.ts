/**
 * runPost and matrix sharing in-process, with the real transport against the real oidc-provider (the
 * runner-style tests in revoke.e2e and matrix.e2e cover the bundles; these cover the modules themselves).
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { runMain } from '../../src/run-main.ts'
import { runPost } from '../../src/run-post.ts'
import { httpTransport } from '../../src/net/transport.ts'
import { realClock } from '../../src/net/retry.ts'
import { testDeps, type Recorded } from '../support/fake-core.ts'
import { holdsPieceOf } from '../support/leaks.ts'
import { CLIENTS, startOidcServer, type OidcServer } from '../support/oidc-server.ts'

let server: OidcServer
before(async () => {
  server = await startOidcServer()
})
after(() => server.close())

const RUN = { GITHUB_REPOSITORY: 'binarly-io/firmware', GITHUB_RUN_ID: '77' }
const inputs = (extra: Record<string, string> = {}) => ({
  'auth-url': server.issuer,
  'client-id': CLIENTS.post.id,
  'client-secret': CLIENTS.post.secret,
  ...extra
})

async function main(extra: Record<string, string> = {}, env: NodeJS.ProcessEnv = RUN) {
  const { deps, recorded } = testDeps(inputs(extra), { env })
  await runMain(deps)
  return recorded
}

const warnings = (recorded: Recorded): string[] =>
  recorded.calls.filter(([kind]) => kind === 'warning').map(([, m]) => m)
const revocations = () => server.requests.filter(r => r.path === '/token/revocation').length

describe('runPost', () => {
  test('revokes the token the main step got', async () => {
    const state = (await main()).state
    const { deps, recorded } = testDeps(inputs(), {}, { state })
    await runPost(deps)
    assert.deepEqual(await server.introspect(state.token ?? ''), { active: false })
    assert.equal(recorded.calls[0]?.[0], 'setSecret')
    // The token and every configured secret are masked before the post step writes anything.
    const masked = recorded.calls.filter(([kind]) => kind === 'setSecret').map(([, value]) => value)
    assert.ok(masked.includes(state.token ?? ''), 'the token is not masked')
    assert.ok(masked.includes(CLIENTS.post.secret), 'the client secret is not masked')
    assert.deepEqual(recorded.summaries.length, 1)
    assert.match(
      recorded.summaries[0] ?? '',
      new RegExp(`^\\| main step \\| ${state['issued-at']} \\| ${state['expires-at']} \\| revoked \\|$`, 'm')
    )
    assert.ok(
      recorded.calls.some(
        ([kind, m]) => kind === 'info' && m === `Revoked the access token at ${server.revocationEndpoint}.`
      )
    )
  })

  const skips: [
    string,
    (state: Record<string, string>) => Record<string, string>,
    Record<string, string>,
    RegExp,
    string | undefined
  ][] = [
    ['no state', () => ({}), {}, /left no token/, undefined],
    [
      'a shared token',
      s => ({ ...s, shared: 'true' }),
      {},
      /shared with other jobs/,
      'not revoked: shared with other jobs of this run'
    ],
    [
      'an expired token',
      s => ({ ...s, 'expires-at': new Date(Date.now() - 1000).toISOString() }),
      {},
      /expired at/,
      'expired before the post step'
    ],
    ['revoke: false', s => s, { revoke: 'false' }, /revoke is false/, 'not revoked: revoke is false'],
    [
      'no revocation endpoint',
      s => ({ ...s, 'revocation-endpoint': '' }),
      {},
      /no revocation endpoint is known/,
      'not revoked: no revocation endpoint is known'
    ]
  ]
  for (const [name, stateOf, extra, why, outcome] of skips) {
    test(`skips ${name} without a request`, async () => {
      const state = stateOf((await main()).state)
      const before = revocations()
      const { deps, recorded } = testDeps(inputs(extra), {}, { state })
      await runPost(deps)
      assert.equal(revocations(), before)
      assert.ok(
        recorded.calls.some(([kind, m]) => kind === 'debug' && why.test(m)),
        JSON.stringify(recorded.calls)
      )
      // The audit row says what became of the token; no token, no audit.
      if (outcome === undefined) assert.deepEqual(recorded.summaries, [])
      else assert.match(recorded.summaries.join('\n'), new RegExp(`^\\| main step \\| .* \\| ${outcome} \\|$`, 'm'))
    })
  }

  test('a job summary that cannot be written is a debug line', async () => {
    const state = (await main()).state
    const { deps, recorded } = testDeps(
      inputs(),
      { writeSummary: () => Promise.reject(new Error('disk full')) },
      { state }
    )
    await runPost(deps)
    assert.ok(recorded.calls.some(([kind, m]) => kind === 'debug' && /^No job summary written: disk full/.test(m)))
  })

  test('a token that expires at the post step’s instant is expired: no request', async () => {
    const state = (await main()).state
    const before = revocations()
    const at = Date.parse(state['expires-at'] ?? '')
    const { deps, recorded } = testDeps(inputs(), { clock: { ...realClock, now: () => at } }, { state })
    await runPost(deps)
    assert.equal(revocations(), before)
    assert.match(recorded.summaries.join('\n'), /\| expired before the post step \|$/m)
  })

  test('an http:// revocation endpoint off loopback is refused before the credentials are sent', async () => {
    // Discovery may name any revocation_endpoint; the client credentials go only where the token endpoint may.
    const state: Record<string, string> = {
      ...(await main()).state,
      'revocation-endpoint': 'http://revoke.example.invalid/revoke'
    }
    const before = revocations()
    const sent: string[] = []
    const { deps, recorded } = testDeps(
      inputs({ retries: '0' }),
      {
        transport: request => {
          sent.push(request.url)
          return Promise.reject(new Error('no request may be made'))
        }
      },
      { state }
    )
    await runPost(deps)
    assert.match(
      warnings(recorded).join('\n'),
      /^binarly-m2m-auth: auth-url: The revocation endpoint http:\/\/revoke\.example\.invalid uses http:\/\/, which would send the client credentials in clear text/
    )
    assert.deepEqual(sent, [])
    assert.equal(revocations(), before)
  })

  test('with allow-http, an http:// revocation endpoint is used, with a warning', async () => {
    const state: Record<string, string> = {
      ...(await main()).state,
      'revocation-endpoint': 'http://revoke.example.invalid/revoke'
    }
    const sent: string[] = []
    // The name does not resolve: the transport routes it to the real server's revocation endpoint, like a hosts file.
    const { deps, recorded } = testDeps(
      inputs({ retries: '0', 'allow-http': 'true' }),
      {
        transport: request => {
          sent.push(request.url)
          return httpTransport({ ...request, url: server.revocationEndpoint })
        }
      },
      { state }
    )
    await runPost(deps)
    assert.deepEqual(sent, ['http://revoke.example.invalid/revoke'])
    assert.deepEqual(await server.introspect(state.token ?? ''), { active: false })
    assert.ok(
      recorded.calls.some(
        ([kind, m]) =>
          kind === 'warning' &&
          m === 'allow-http is true: credentials are sent in clear text to http://revoke.example.invalid.'
      ),
      JSON.stringify(recorded.calls)
    )
  })

  test('ca-certificate is trusted in the post step too, before the revocation request', async () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'
    const state = (await main()).state
    const order: string[] = []
    const { deps } = testDeps(
      inputs({ 'ca-certificate': pem }),
      {
        trustCAs: async value => {
          order.push(`trust ${value === pem}`)
          return 1
        },
        transport: request => {
          order.push(`request ${request.url}`)
          return httpTransport(request)
        }
      },
      { state }
    )
    await runPost(deps)
    assert.deepEqual(order, ['trust true', `request ${server.revocationEndpoint}`])
    assert.deepEqual(await server.introspect(state.token ?? ''), { active: false })
  })

  test('a failing revocation endpoint is a warning (the agent is still stopped, the audit still written)', async () => {
    const state: Record<string, string> = {
      ...(await main({ retries: '0' })).state,
      'revocation-endpoint': `${server.issuer}/nowhere`
    }
    const { deps, recorded } = testDeps(inputs({ retries: '0' }), {}, { state })
    await runPost(deps)
    assert.match(
      warnings(recorded).join('\n'),
      /^binarly-m2m-auth: Could not revoke the token at .*: HTTP 404.*set revoke: false/
    )
    // The audit says so, and carries nothing of the token: not even a prefix to tell it by.
    const summary = recorded.summaries.join('\n')
    assert.match(summary, /\| main step \| .* \| not revoked: the revocation failed \(see the warnings\) \|/)
    const token = state.token ?? ''
    assert.ok(token.length >= 16)
    assert.ok(!holdsPieceOf(summary, token), 'a piece of the token is in the job summary')
  })
})

describe('sharing, in-process', () => {
  test('share: true seals the token; a matrix job reuses it without a request', async () => {
    const auth = await main({ share: 'true' })
    const sealed = auth.outputs['shared-token'] ?? ''
    assert.match(sealed, /^v2\./)
    assert.equal(auth.state.shared, 'true')
    const before = server.tokenRequests().length
    const job = await main({ 'shared-token': sealed })
    assert.equal(server.tokenRequests().length, before)
    assert.equal(job.outputs['access-token'], auth.outputs['access-token'])
    assert.equal(job.env.BINARLY_ACCESS_TOKEN, auth.outputs['access-token'])
    assert.equal(job.state.shared, 'true')
    assert.match(job.summaries[0] ?? '', /reusing the shared-token of this run/)
    // The audit of each post step: the token is the sharing job's, and the reusing job's is another job's.
    for (const [state, mintedBy] of [
      [auth.state, 'main step'],
      [job.state, 'another job of this run (shared-token)']
    ] as const) {
      const post = testDeps(inputs(), {}, { state })
      await runPost(post.deps)
      assert.match(
        post.recorded.summaries.join('\n'),
        new RegExp(
          `^\\| ${mintedBy.replace(/[()]/g, '\\$&')} \\| .* \\| not revoked: shared with other jobs of this run \\|$`,
          'm'
        )
      )
    }
  })

  test('a sealed token of another run falls back to an exchange, with a warning', async () => {
    const sealed = (await main({ share: 'true' })).outputs['shared-token'] ?? ''
    const before = server.tokenRequests().length
    const job = await main({ 'shared-token': sealed }, { ...RUN, GITHUB_RUN_ID: '78' })
    assert.equal(server.tokenRequests().length, before + 1)
    assert.ok(job.calls.some(([kind, m]) => kind === 'warning' && /shared-token cannot be used/.test(m)))
  })

  test('outside a runner (no repository or run id) sharing is declined with a warning', async () => {
    const auth = await main({ share: 'true' }, {})
    assert.equal(auth.outputs['shared-token'], undefined)
    assert.ok(
      auth.calls.some(([kind, m]) => kind === 'warning' && /GITHUB_REPOSITORY and GITHUB_RUN_ID are not set/.test(m))
    )
    const job = await main({ 'shared-token': 'v2.x.y.z' }, {})
    assert.ok(job.calls.some(([kind, m]) => kind === 'warning' && /shared-token is ignored/.test(m)))
  })
})

describe('revoke-shared-token, in-process', () => {
  const warnings = (recorded: { calls: [string, string][] }) =>
    recorded.calls.filter(([kind]) => kind === 'warning').map(([, m]) => m)

  test('revokes the shared token, and hands out nothing', async () => {
    const auth = await main({ share: 'true' })
    const recorded = await main({ 'revoke-shared-token': auth.outputs['shared-token'] ?? '' })
    assert.deepEqual(warnings(recorded), [])
    assert.deepEqual(recorded.outputs, {})
    assert.deepEqual(recorded.state, {})
    assert.deepEqual(await server.introspect(auth.outputs['access-token'] ?? ''), { active: false })
    assert.ok(recorded.calls.some(([kind, m]) => kind === 'info' && /^Revoked the shared token/.test(m)))
  })

  test('outside a runner: a warning, nothing revoked', async () => {
    const recorded = await main({ 'revoke-shared-token': 'v2.x.y.z' }, {})
    assert.deepEqual(warnings(recorded), [
      'revoke-shared-token: nothing was revoked: GITHUB_REPOSITORY and GITHUB_RUN_ID are not set (is this a GitHub Actions runner?), and a shared token is bound to them.'
    ])
    assert.deepEqual(recorded.outputs, {})
  })

  test('an expired shared token: nothing to revoke, no warning, no request', async () => {
    const sealed = (await main({ share: 'true' })).outputs['shared-token'] ?? ''
    const later = { now: () => Date.now() + 3600_000, sleep: async () => undefined, random: () => 0.5 }
    const since = server.requests.length
    const { deps, recorded } = testDeps(inputs({ 'revoke-shared-token': sealed }), { env: RUN, clock: later })
    await runMain(deps)
    assert.deepEqual(warnings(recorded), [])
    assert.ok(recorded.calls.some(([kind, m]) => kind === 'info' && /has expired already/.test(m)))
    assert.equal(server.requests.length, since)
  })

  test('no revocation endpoint known: a warning that says until when the token stays valid', async () => {
    const sealed = (await main({ share: 'true', 'auth-url': server.tokenEndpoint })).outputs['shared-token'] ?? ''
    const recorded = await main({ 'revoke-shared-token': sealed, 'auth-url': server.tokenEndpoint })
    assert.equal(warnings(recorded).length, 1)
    assert.match(warnings(recorded)[0] ?? '', /no revocation endpoint is known .* stays valid until \d{4}-/)
    assert.deepEqual(recorded.outputs, {})
  })
})
