/**
 * runMain in-process, with the real transport against the real oidc-provider: the order in which the
 * runner is told things (mask first), and the failure paths, where a child process would hide coverage.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { InputError } from '../../src/errors.ts'
import { runMain } from '../../src/run-main.ts'
import { runEntry } from '../../src/runtime.ts'
import { testDeps } from '../support/fake-core.ts'
import { CLIENTS, startOidcServer, type OidcServer } from '../support/oidc-server.ts'

let server: OidcServer
before(async () => {
  server = await startOidcServer()
})
after(() => server.close())

describe('runMain', () => {
  test('masks the token before any output, env, state or log line holds it', async () => {
    const { deps, recorded } = testDeps(
      { 'auth-url': server.issuer, 'client-id': CLIENTS.post.id, 'client-secret': CLIENTS.post.secret },
      {},
      { debug: true }
    )
    await runMain(deps)
    const token = recorded.outputs['access-token'] ?? ''
    assert.ok(token)
    const maskedAt = recorded.calls.findIndex(([kind, value]) => kind === 'setSecret' && value === token)
    const firstUse = recorded.calls.findIndex(([kind]) => ['setOutput', 'exportVariable', 'saveState'].includes(kind))
    assert.ok(maskedAt >= 0 && maskedAt < firstUse, 'token masked before it is handed out')
    assert.equal(
      recorded.calls.findIndex(([kind]) => kind === 'setSecret'),
      0,
      'the client secret is masked first of all'
    )
    assert.equal(recorded.calls[0]?.[1], CLIENTS.post.secret)
    for (const [kind, value] of recorded.calls) {
      if (kind === 'setSecret') continue
      assert.ok(!value.includes(token) && !value.includes(CLIENTS.post.secret), `${kind} holds a credential`)
    }
    assert.ok(recorded.calls.some(([kind, value]) => kind === 'debug' && /opaque/.test(value)))
    assert.equal(recorded.env.BINARLY_ACCESS_TOKEN, token)
    for (const key of ['expires-at', 'revocation-endpoint', 'token', 'token-endpoint'])
      assert.ok(key in recorded.state, key)
    assert.equal(recorded.state['revocation-endpoint'], server.revocationEndpoint)
    assert.equal(recorded.summaries.length, 1)
    assert.ok(!recorded.summaries[0]?.includes(token))
    assert.match(recorded.summaries[0] ?? '', new RegExp(`Client ID \\| ${CLIENTS.post.id}`))
  })

  test('env-var empty exports nothing; the other outputs are still set', async () => {
    const { deps, recorded } = testDeps({
      'auth-url': server.tokenEndpoint,
      'client-id': CLIENTS.basic.id,
      'client-secret': CLIENTS.basic.secret,
      'auth-method': 'client_secret_basic',
      'env-var': ''
    })
    await runMain(deps)
    assert.deepEqual(recorded.env, {})
    assert.equal(recorded.outputs['token-type'], 'Bearer')
    assert.match(recorded.summaries[0] ?? '', /\(none exported\)/)
  })

  test('an input error fails before any request', async () => {
    const before = server.requests.length
    const { deps } = testDeps({ 'auth-url': server.tokenEndpoint, 'client-id': CLIENTS.post.id })
    await assert.rejects(runMain(deps), /client-secret: is empty/)
    assert.equal(server.requests.length, before)
  })

  test('a wrong realm (404 discovery) says what auth-url should look like', async () => {
    const { deps } = testDeps({
      'auth-url': `${server.issuer}/realms/Nope`,
      'client-id': CLIENTS.post.id,
      'client-secret': CLIENTS.post.secret,
      retries: '0'
    })
    await assert.rejects(runMain(deps), /OpenID discovery at .*failed: HTTP 404.*realms\/BinarlyRealm/)
  })

  test('github_oidc without the id-token permission fails with that fix, before any request', async () => {
    const before = server.requests.length
    const { deps } = testDeps({ 'auth-url': server.tokenEndpoint, 'client-id': 'x', 'auth-method': 'github_oidc' })
    await assert.rejects(runMain(deps), /permissions: id-token: write/)
    assert.equal(server.requests.length, before)
  })

  test('github_oidc with a token URL that names no realm: oidc-audience is asked for, before any request', async () => {
    // ${issuer}/token is a token endpoint but not Keycloak's …/protocol/openid-connect/token, so no issuer follows.
    const before = server.requests.length
    const asked: string[] = []
    const { deps } = testDeps(
      { 'auth-url': server.tokenEndpoint, 'client-id': 'x', 'auth-method': 'github_oidc' },
      { env: { ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/id-token', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'rt' } },
      {
        idToken: async audience => {
          asked.push(audience)
          throw new Error('no GitHub OIDC token may be asked for')
        }
      }
    )
    await assert.rejects(runMain(deps), (error: unknown) => {
      assert.ok(error instanceof InputError)
      assert.equal(
        error.message,
        "oidc-audience: could not be derived from auth-url (not a Keycloak token endpoint, and no discovery): set it to the realm's issuer URL, e.g. https://kc.example.com/realms/BinarlyRealm."
      )
      return true
    })
    assert.deepEqual(asked, [])
    assert.equal(server.requests.length, before)
  })

  test('ca-certificate is trusted before any request, and a summary failure is only a debug line', async () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'
    let trusted = ''
    const { deps, recorded } = testDeps(
      {
        'auth-url': server.tokenEndpoint,
        'client-id': CLIENTS.post.id,
        'client-secret': CLIENTS.post.secret,
        'ca-certificate': pem
      },
      {
        trustCAs: value => {
          trusted = value
          return 2
        },
        writeSummary: async () => {
          throw new Error('summary file is not writable')
        }
      }
    )
    await runMain(deps)
    assert.equal(trusted, pem)
    assert.ok(
      recorded.calls.some(
        ([kind, value]) => kind === 'info' && value === 'Trusting 2 extra CA certificates from ca-certificate.'
      )
    )
    assert.ok(recorded.calls.some(([kind, value]) => kind === 'debug' && /No job summary written/.test(value)))
  })
})

describe('runEntry', () => {
  test('any throw fails the step with the action name; a post step only warns', async () => {
    const seen: string[] = []
    const runner = {
      setFailed: (m: string | Error) => seen.push(`failed ${String(m)}`),
      warning: (m: string | Error) => seen.push(`warning ${String(m)}`)
    }
    await runEntry(async () => {
      throw new Error('boom')
    }, runner)
    await runEntry(async () => {
      throw 'a string' // eslint-disable-line @typescript-eslint/only-throw-error
    }, runner)
    await runEntry(async () => {
      throw { secret: 'never printed' } // eslint-disable-line @typescript-eslint/only-throw-error
    }, runner)
    await runEntry(
      async () => {
        throw new Error('post trouble')
      },
      runner,
      { failOnError: false }
    )
    await runEntry(async () => undefined, runner)
    assert.deepEqual(seen, [
      'failed binarly-m2m-auth: boom',
      'failed binarly-m2m-auth: a string',
      'failed binarly-m2m-auth: unexpected object thrown',
      'warning binarly-m2m-auth: post trouble'
    ])
  })
})
