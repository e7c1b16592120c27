/**
 * runMain in-process, with the real transport against the real oidc-provider: the order in which the
 * runner is told things (mask first), and the failure paths, where a child process would hide coverage.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { InputError } from '../../src/errors.ts'
import { runMain } from '../../src/run-main.ts'
import { runEntry } from '../../src/runtime.ts'
import { httpTransport, type Transport } from '../../src/transport.ts'
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

describe('runMain against a scripted server (discovery, JWT tokens, failures oidc-provider does not give)', () => {
  let scripted: Server
  let base = ''
  const jwtToken = [
    { alg: 'RS256', typ: 'JWT' },
    { iss: 'https://kc.example.com/realms/BinarlyRealm', azp: 'ci', exp: 2_000_000_000 }
  ]
    .map(part => Buffer.from(JSON.stringify(part)).toString('base64url'))
    .join('.')
    .concat('.c2lnbmF0dXJl')
  before(async () => {
    scripted = createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        if (req.url === '/down/.well-known/openid-configuration') {
          res.writeHead(503, { 'content-type': 'text/plain' }).end('maintenance')
        } else if (req.url === '/realm/.well-known/openid-configuration') {
          res.writeHead(200, { 'content-type': 'application/json' })
          // Served as tokens.example.invalid (see hostsFile): issuer and token endpoint on the origin of auth-url.
          res.end(
            JSON.stringify({
              issuer: 'http://tokens.example.invalid/realm',
              token_endpoint: 'http://tokens.example.invalid/token'
            })
          )
        } else {
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end(JSON.stringify({ access_token: jwtToken, token_type: 'Bearer', expires_in: 60 }))
        }
      })
    })
    await new Promise<void>(resolve => scripted.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(scripted.address() as AddressInfo).port}`
  })
  after(() => new Promise<void>(resolve => scripted.close(() => resolve())))

  /** Sends requests for tokens.example.invalid (which does not resolve) to the scripted server, like a hosts file. */
  const hostsFile: Transport = request =>
    httpTransport({ ...request, url: request.url.replace('http://tokens.example.invalid', base) })

  test('a discovery that fails without naming the realm quotes the answer, with no realm hint', async () => {
    const { deps } = testDeps({ 'auth-url': `${base}/down`, 'client-id': 'ci', 'client-secret': 's', retries: '0' })
    await assert.rejects(runMain(deps), (error: unknown) => {
      assert.ok(error instanceof Error)
      assert.match(
        error.message,
        /^OpenID discovery at http:\/\/127\.0\.0\.1:\d+\/down\/\.well-known\/openid-configuration failed: HTTP 503, text\/plain: "maintenance"\./
      )
      assert.doesNotMatch(error.message, /realm/i)
      return true
    })
  })

  test('an http:// token endpoint from discovery, with allow-http: the warning is shown; debug logs the JWT claims', async () => {
    const { deps, recorded } = testDeps(
      {
        'auth-url': 'http://tokens.example.invalid/realm',
        'client-id': 'ci',
        'client-secret': 's',
        'allow-http': 'true'
      },
      { transport: hostsFile },
      { debug: true }
    )
    await runMain(deps)
    assert.equal(
      recorded.calls.filter(
        ([kind, m]) =>
          kind === 'warning' &&
          m === 'allow-http is true: credentials are sent in clear text to http://tokens.example.invalid.'
      ).length,
      1,
      JSON.stringify(recorded.calls)
    )
    assert.equal(recorded.outputs['access-token'], jwtToken)
    const claims = recorded.calls.find(([kind, m]) => kind === 'debug' && m.startsWith('Access token claims: '))
    assert.ok(claims, JSON.stringify(recorded.calls))
    assert.match(claims[1], /"iss":"https:\/\/kc\.example\.com\/realms\/BinarlyRealm"/)
    assert.ok(!claims[1].includes(jwtToken))
  })

  test('one extra CA is announced in the singular', async () => {
    const { deps, recorded } = testDeps(
      {
        'auth-url': 'http://tokens.example.invalid/realm',
        'client-id': 'ci',
        'client-secret': 's',
        'allow-http': 'true',
        'ca-certificate': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'
      },
      { transport: hostsFile, trustCAs: () => 1 }
    )
    await runMain(deps)
    assert.ok(
      recorded.calls.some(
        ([kind, m]) => kind === 'info' && m === 'Trusting 1 extra CA certificate from ca-certificate.'
      )
    )
  })
})

describe('runMain: a refused exchange in-process', () => {
  test('a wrong secret fails with the status, the OAuth error and the fix, and is not retried', async () => {
    const before = server.tokenRequests().length
    const { deps } = testDeps({
      'auth-url': server.tokenEndpoint,
      'client-id': CLIENTS.post.id,
      'client-secret': 'not-the-secret'
    })
    await assert.rejects(
      runMain(deps),
      new RegExp(
        `^EndpointError: Token request to ${server.tokenEndpoint.replace(/[.]/g, '\\.')} for client "${CLIENTS.post.id}" failed: HTTP 401 invalid_client: "client authentication failed"\\. Client "${CLIENTS.post.id}" is unknown or disabled`
      )
    )
    assert.equal(server.tokenRequests().length - before, 1)
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
