/**
 * runMain in-process, with the real transport against the real oidc-provider: the order in which the
 * runner is told things (mask first), and the failure paths, where a child process would hide coverage.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { InputError } from '../../src/common/errors.ts'
import { runMain } from '../../src/run-main.ts'
import { runEntry } from '../../src/runner/runtime.ts'
import { httpTransport, TransportError } from '../../src/net/transport.ts'
import { type Transport } from '../../src/net/http.ts'
import { testDeps } from '../support/fake-core.ts'
import { formsOf } from '../support/leaks.ts'
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
    // Asking GitHub's OIDC service (port 9: nothing listens) would fail otherwise than with the InputError below.
    const { deps } = testDeps(
      { 'auth-url': server.tokenEndpoint, 'client-id': 'x', 'auth-method': 'github_oidc' },
      { env: { ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/id-token', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'rt' } }
    )
    await assert.rejects(runMain(deps), (error: unknown) => {
      assert.ok(error instanceof InputError)
      assert.equal(
        error.message,
        "oidc-audience: could not be derived from auth-url (not a Keycloak token endpoint, and no discovery): set it to the realm's issuer URL, e.g. https://kc.example.com/realms/BinarlyRealm."
      )
      return true
    })
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
        trustCAs: async value => {
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

describe('the job summary of a failed step', () => {
  test('an input error: the summary says the inputs were refused, and quotes the message', async () => {
    const { deps, recorded } = testDeps({ 'auth-url': server.tokenEndpoint, 'client-id': CLIENTS.post.id })
    await assert.rejects(runMain(deps), /client-secret: is empty/)
    assert.equal(recorded.summaries.length, 1)
    const summary = recorded.summaries[0] ?? ''
    assert.match(summary, /^### Binarly access token: not obtained$/m)
    assert.match(summary, /\| Auth URL \| \(not read: the inputs were refused\) \|/)
    assert.match(summary, /^> client-secret: is empty, and auth-method client\\_secret\\_post needs it/m)
  })

  test('a wrong secret: endpoint, client, method, attempts and the hint; no credential', async () => {
    const wrong = 'wrong-secret-4f1c9a'
    const { deps, recorded } = testDeps({
      'auth-url': server.tokenEndpoint,
      'client-id': CLIENTS.post.id,
      'client-secret': wrong
    })
    await assert.rejects(runMain(deps), /invalid_client/)
    const summary = recorded.summaries[0] ?? ''
    assert.match(summary, new RegExp(`\\| Endpoint \\| ${server.tokenEndpoint} \\|`))
    assert.match(summary, new RegExp(`\\| Client ID \\| ${CLIENTS.post.id} \\|`))
    assert.match(summary, /\| Client authentication \| client\\_secret\\_post \|/)
    assert.match(summary, /\| Attempts \| 1 \|/)
    assert.match(summary, /HTTP 401 invalid\\_client.*is unknown or disabled in this realm, or its secret is wrong/)
    for (const form of formsOf(wrong)) assert.ok(!summary.includes(form), 'the secret is in the summary')
  })

  test('whatever was masked is redacted from the summary, even inside an error a library wrote', async () => {
    const secret = 'p%a+s:s w&ord=/?#~! 0123'
    const { deps, recorded } = testDeps(
      { 'auth-url': server.tokenEndpoint, 'client-id': CLIENTS.post.id, 'client-secret': secret, retries: '0' },
      {
        transport: () => Promise.reject(new TransportError(`socket closed while sending ${secret}`, 'ECONNRESET'))
      }
    )
    await assert.rejects(runMain(deps), /socket closed/)
    const summary = recorded.summaries[0] ?? ''
    assert.match(summary, /socket closed while sending \\\*\\\*\\\*/)
    assert.match(
      summary,
      /The connection to 127\.0\.0\.1:\d+ was closed before an answer came: check the host and port/
    )
    for (const form of formsOf(secret))
      assert.ok(!summary.includes(form), `a form of the secret is in the summary: ${form}`)
  })

  test('github_oidc that cannot get its token: the endpoint is known, no request was sent to it', async () => {
    const { deps, recorded } = testDeps(
      {
        'auth-url': server.tokenEndpoint,
        'client-id': 'x',
        'auth-method': 'github_oidc'
      },
      {
        env: { ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-token-abc' }
      }
    )
    await assert.rejects(runMain(deps))
    const summary = recorded.summaries[0] ?? ''
    assert.match(summary, /\| Attempts \| \(no request was sent to it\) \|/)
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
      { transport: hostsFile, trustCAs: async () => 1 }
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
