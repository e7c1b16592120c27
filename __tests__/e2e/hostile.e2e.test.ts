/**
 * What a hostile server, a hostile log line or a careless config can do, run the way the runner runs the
 * bundles: a discovery document naming a foreign issuer or endpoints, server text with line breaks that
 * would start workflow commands, endpoints that echo credentials back in escaped forms, a proxy with a
 * one-letter user, a `*.localhost` URL, a short passphrase, and a proxy or OIDC service that never answers.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startBlackHole, type BlackHole } from '../support/fault-proxy.ts'
import { startForwardProxy, type ForwardProxy } from '../support/forward-proxy.ts'
import { startGitHubOidc, type GitHubOidc } from '../support/github-oidc.ts'
import {
  forgedCommands,
  startHostileServer,
  tokenAnswer,
  type HostileRoute,
  type HostileServer
} from '../support/hostile-server.ts'
import { assertMaskedFirst, assertNowhere } from '../support/leaks.ts'
import { runStep, visibleOutput, type StepResult } from '../support/runner.ts'

const CLIENT_ID = 'ci-hostile'
const SECRET = 'hostile-secret-0123456789'
const REALM_PATH = '/realms/BinarlyRealm'
/** Every variable the harness could inherit that would change the network path. */
const NO_PROXY_ENV = {
  HTTPS_PROXY: undefined,
  https_proxy: undefined,
  HTTP_PROXY: undefined,
  http_proxy: undefined,
  NO_PROXY: undefined,
  no_proxy: undefined
}
/** How much longer than `timeout` a step may take on a loaded machine (start-up, exit). */
const SLACK_MS = 4000

let home: HostileServer
let elsewhere: HostileServer
let github: GitHubOidc
let blackHole: BlackHole
before(async () => {
  ;[home, elsewhere, github, blackHole] = await Promise.all([
    startHostileServer(),
    startHostileServer(),
    startGitHubOidc(),
    startBlackHole()
  ])
})
after(async () => {
  await Promise.all([home.close(), elsewhere.close(), github.close(), blackHole.close()])
})

async function run(
  inputs: Record<string, string>,
  env: Record<string, string | undefined> = {},
  step: 'main' | 'post' = 'main',
  state?: Record<string, string>
): Promise<StepResult> {
  return runStep(
    step,
    { 'client-id': CLIENT_ID, 'client-secret': SECRET, ...inputs },
    {
      env: { ...NO_PROXY_ENV, ...env },
      killAfterMs: 30_000,
      ...(state ? { state } : {})
    }
  )
}

const discovery = (doc: Record<string, unknown>) => () => ({ body: JSON.stringify(doc) })

function assertFailed(result: StepResult, message: RegExp): void {
  assert.equal(result.code, 1, result.stdout + result.stderr)
  assert.equal(result.errors.length, 1, result.stdout)
  assert.match(result.errors[0] ?? '', message)
  assertNowhere(result, [SECRET])
}

describe('1. discovery cannot choose where credentials go, or the GitHub OIDC audience', () => {
  test('an issuer other than the URL discovery started from fails naming both, before GitHub is asked', async () => {
    const realm = `${home.origin}/realms/Foreign`
    home.route(
      `/realms/Foreign/.well-known/openid-configuration`,
      discovery({ issuer: 'https://sts.amazonaws.com', token_endpoint: `${elsewhere.origin}/token` })
    )
    const asked = github.requests.length
    const sent = elsewhere.requests.length
    const result = await run({ 'auth-url': realm, 'auth-method': 'github_oidc', 'client-secret': '' }, github.env)
    assertFailed(result, /states issuer "https:\/\/sts\.amazonaws\.com"/)
    assert.match(result.errors[0] ?? '', new RegExp(`not the URL discovery started from \\(${realm}\\)`))
    assert.match(result.errors[0] ?? '', /OpenID Connect Discovery 1\.0 §4\.3/)
    assert.equal(github.requests.length - asked, 0, 'GitHub was asked for a token')
    assert.equal(elsewhere.requests.length - sent, 0, 'a request went to the foreign origin')
  })

  for (const field of ['token_endpoint', 'revocation_endpoint'] as const) {
    test(`a ${field} on another origin fails, saying to pass the token endpoint itself as auth-url`, async () => {
      const realm = `${home.origin}${REALM_PATH}`
      home.route(
        `${REALM_PATH}/.well-known/openid-configuration`,
        discovery({
          issuer: realm,
          token_endpoint: `${home.origin}${REALM_PATH}/protocol/openid-connect/token`,
          revocation_endpoint: `${home.origin}${REALM_PATH}/protocol/openid-connect/revoke`,
          [field]: `${elsewhere.origin}/steal`
        })
      )
      const sent = elsewhere.requests.length
      const asked = github.requests.length
      for (const inputs of [{}, { 'auth-method': 'github_oidc', 'client-secret': '' }] as Record<string, string>[]) {
        const result = await run({ 'auth-url': realm, ...inputs }, github.env)
        assertFailed(result, new RegExp(`names the ${field} ${elsewhere.origin}/steal`))
        assert.match(result.errors[0] ?? '', new RegExp(`not on the origin of auth-url \\(${home.origin}\\)`))
        assert.match(result.errors[0] ?? '', /set auth-url to the token endpoint itself/)
      }
      assert.equal(elsewhere.requests.length - sent, 0, 'a request went to the foreign origin')
      assert.equal(github.requests.length - asked, 0, 'GitHub was asked for a token')
    })
  }

  test('the default OIDC audience is the realm of auth-url, which discovery must confirm', async () => {
    const realm = `${home.origin}${REALM_PATH}`
    home.route(
      `${REALM_PATH}/.well-known/openid-configuration`,
      discovery({ issuer: realm, token_endpoint: `${realm}/protocol/openid-connect/token` })
    )
    // github_oidc hands out only a token that names client-id as its client (azp), as Keycloak's JWTs do.
    const claims = Buffer.from(JSON.stringify({ azp: CLIENT_ID })).toString('base64url')
    home.route(`${REALM_PATH}/protocol/openid-connect/token`, () =>
      tokenAnswer({ access_token: `eyJhbGciOiJub25lIn0.${claims}.hostile${Date.now().toString(36)}` })
    )
    const asked = github.requests.length
    const result = await run({ 'auth-url': `${realm}/`, 'auth-method': 'github_oidc', 'client-secret': '' }, github.env)
    assert.equal(result.code, 0, result.stdout + result.stderr)
    assert.deepEqual(
      github.requests.slice(asked).map(r => r.audience),
      [realm]
    )
    assertMaskedFirst(result, result.outputs['access-token'] ?? '')
    assertNowhere(result, [SECRET, github.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN])
  })
})

describe('2. server text cannot start workflow commands', () => {
  for (const [name, breaker] of [
    ['LF', '\n'],
    ['bare CR', '\r'],
    ['CRLF', '\r\n']
  ] as const) {
    test(`a granted scope with ${name} then ::error:: and ::stop-commands:: stays one inert line`, async () => {
      home.route('/scope/token', () =>
        tokenAnswer({ scope: `scan:read${breaker}::error::forged${breaker}::stop-commands::forged` })
      )
      const result = await run({ 'auth-url': `${home.origin}/scope/token` })
      assert.equal(result.code, 0, result.stdout + result.stderr)
      assert.deepEqual(forgedCommands(result.stdout), [])
      assert.deepEqual(result.errors, [])
      assert.match(result.stdout, /with scope "scan:read\\[rn]/)
      // Every summary line that mentions the forged text is a table row.
      for (const line of result.summary.split(/\r\n|\r|\n/).filter(l => l.includes('forged'))) {
        assert.match(line, /^\| Granted scope \| .*\|$/)
      }
      assertMaskedFirst(result, result.outputs['access-token'] ?? '')
      assertNowhere(result, [SECRET])
    })
  }

  test('a discovered issuer with a line break is quoted inert in the failure', async () => {
    const realm = `${home.origin}/realms/Breaks`
    home.route(
      '/realms/Breaks/.well-known/openid-configuration',
      discovery({ issuer: `${realm}\n::error::forged\r::warning::forged`, token_endpoint: `${realm}/token` })
    )
    const result = await run({ 'auth-url': realm, 'auth-method': 'github_oidc', 'client-secret': '' }, github.env)
    assert.deepEqual(forgedCommands(result.stdout), [])
    assertFailed(result, /states issuer ".*\\n::error::forged\\r::warning::forged"/)
  })
})

const html = (text: string): string =>
  text.replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c)
/** JSON string escapes a server may choose: `\/` for `/`, and `\uXXXX` for every non-ASCII character. */
const jsonEscaped = (text: string, upper: boolean): string =>
  text.replace(/\//g, '\\/').replace(/[^\x20-\x7e]/g, c => {
    const hex = c.charCodeAt(0).toString(16).padStart(4, '0')
    return `\\u${upper ? hex.toUpperCase() : hex}`
  })

describe('3, 4. echoed credentials are redacted in every escaped form, in the main and the post step', () => {
  /** A secret with HTML-special characters, and one with `/` and a non-ASCII letter. */
  const HTML_SECRET = 'p&ss-0123456789-"quoted"'
  const JSON_SECRET = 'Zq9/kT2-g\u00fcltig-0123'
  const formsOf = (secret: string): string[] => [
    html(secret),
    jsonEscaped(secret, false),
    jsonEscaped(secret, true),
    secret
  ]
  const assertNoEcho = (result: StepResult, secret: string): void => {
    for (const form of formsOf(secret)) {
      for (const [place, text] of Object.entries({ log: visibleOutput(result), ...result.files })) {
        assert.ok(!text.includes(form), `an escaped form of the secret (${form}) reached the ${place}`)
      }
    }
    assertNowhere(result, [secret])
  }
  const echoes: Record<string, [string, HostileRoute]> = {
    'HTML-escaped': [
      HTML_SECRET,
      form => ({
        status: 400,
        contentType: 'text/html',
        body: `<html><body><p>Rejected client_secret=${html(form.get('client_secret') ?? '')}</p></body></html>`
      })
    ],
    'JSON without error, \\/ and \\u00fc': [
      JSON_SECRET,
      form => ({
        status: 400,
        body: `{"message":"Rejected client_secret=${jsonEscaped(form.get('client_secret') ?? '', false)}"}`
      })
    ],
    'JSON without error, \\u00FC': [
      JSON_SECRET,
      form => ({
        status: 400,
        body: `{"message":"Rejected","detail":{"secret":"${jsonEscaped(form.get('client_secret') ?? '', true)}"}}`
      })
    ],
    'JSON error_description': [
      JSON_SECRET,
      form => ({
        status: 400,
        body: `{"error":"invalid_request","error_description":"bad ${jsonEscaped(form.get('client_secret') ?? '', true)}"}`
      })
    ]
  }

  for (const [name, [secret, echo]] of Object.entries(echoes)) {
    test(`main step, token endpoint echoes the secret (${name})`, async () => {
      home.route('/echo/token', echo)
      const result = await run({ 'auth-url': `${home.origin}/echo/token`, 'client-secret': secret })
      assert.equal(result.code, 1, result.stdout + result.stderr)
      assert.match(result.errors[0] ?? '', /HTTP 400/)
      assertNoEcho(result, secret)
    })

    test(`post step, revocation endpoint echoes the secret (${name})`, async () => {
      home.route('/echo/revoke', echo)
      const token = `opaque-${Date.now()}-token`
      const result = await run({ 'auth-url': `${home.origin}/echo/token`, 'client-secret': secret }, {}, 'post', {
        token,
        'token-endpoint': `${home.origin}/echo/token`,
        'revocation-endpoint': `${home.origin}/echo/revoke`,
        'expires-at': new Date(Date.now() + 600_000).toISOString(),
        shared: 'false',
        // The main step's network (none): what its state holds for the post step.
        network: JSON.stringify({ env: {} })
      })
      assert.equal(result.code, 0, result.stdout + result.stderr)
      assert.equal(result.warnings.length, 1, result.stdout)
      assert.match(result.warnings[0] ?? '', /Could not revoke the token .*HTTP 400/)
      assertNoEcho(result, secret)
    })
  }
})

describe('6. proxy credentials: the password is masked, the user name is not; the shared-token stays passable', () => {
  let proxy: ForwardProxy
  const PROXY_PASSWORD = 'proxy-pass-0123456789'
  before(async () => {
    proxy = await startForwardProxy({
      hosts: { 'keycloak.test': '127.0.0.1' },
      credentials: { user: 'u', password: PROXY_PASSWORD }
    })
  })
  after(() => proxy.close())

  test('HTTPS_PROXY=http://u:<password>@…: only the password is masked, and shared-token holds nothing masked', async () => {
    home.route('/proxied/token', () => tokenAnswer())
    const port = new URL(home.origin).port
    const proxyUrl = `http://u:${PROXY_PASSWORD}@127.0.0.1:${proxy.port}`
    for (let i = 0; i < 3; i++) {
      const result = await run(
        { 'auth-url': `http://keycloak.test:${port}/proxied/token`, 'allow-http': 'true', share: 'true' },
        { HTTPS_PROXY: proxyUrl, HTTP_PROXY: proxyUrl }
      )
      assert.equal(result.code, 0, result.stdout + result.stderr)
      assert.equal(proxy.tunnels.length > 0, true, 'the request went through the proxy')
      assert.ok(!result.masks.includes('u'), 'the proxy user name was masked')
      assert.ok(result.masks.includes(PROXY_PASSWORD), 'the proxy password was not masked')
      const shared = result.outputs['shared-token'] ?? ''
      assert.match(shared, /^v2\./)
      for (const mask of result.masks) assert.ok(!shared.includes(mask), 'shared-token holds a masked value')
      assert.ok(!shared.includes(CLIENT_ID), 'shared-token holds the client ID')
      assertNowhere(result, [SECRET, PROXY_PASSWORD])
    }
  })
})

describe('7, 8. careless config', () => {
  test('*.localhost is not loopback: http:// to it needs allow-http', async () => {
    const port = new URL(home.origin).port
    const before = home.requests.length
    const result = await run({ 'auth-url': `http://anything.localhost:${port}/token` })
    assertFailed(result, /^binarly-m2m-auth: auth-url: The Auth URL http:\/\/anything\.localhost:\d+ uses http:\/\//)
    assert.equal(home.requests.length, before)
  })

  test('a share-passphrase of 15 characters fails, saying at least 16', async () => {
    const before = home.requests.length
    const result = await run({
      'auth-url': `${home.origin}/token`,
      share: 'true',
      'share-passphrase': 'fifteen-chars!!'
    })
    assertFailed(result, /share-passphrase: is 15 characters long: use at least 16/)
    assert.equal(home.requests.length, before)
    assertNowhere(result, ['fifteen-chars!!'])
  })
})

describe('9. time bounds', () => {
  test("GitHub's OIDC service accepting and never answering is bounded by timeout", async () => {
    home.route('/oidc/token', () => tokenAnswer())
    const started = performance.now()
    const result = await run(
      {
        'auth-url': `${home.origin}${REALM_PATH}/protocol/openid-connect/token`,
        'auth-method': 'github_oidc',
        'client-secret': '',
        timeout: '2'
      },
      {
        ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${blackHole.port}/_apis/oidc/token?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: github.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN
      }
    )
    const ms = performance.now() - started
    assertFailed(result, /GitHub's OIDC service .*: no complete answer within [\d.]+ m?s \(ETIMEDOUT\)\. /)
    assert.ok(ms < 2000 + SLACK_MS, `took ${ms} ms for a 2 s timeout`)
  })

  test('a proxy that accepts and never answers CONNECT is bounded by timeout', async () => {
    const started = performance.now()
    const result = await run(
      { 'auth-url': 'https://keycloak.test:8443/realms/BinarlyRealm/protocol/openid-connect/token', timeout: '2' },
      { HTTPS_PROXY: `http://127.0.0.1:${blackHole.port}` }
    )
    const ms = performance.now() - started
    assertFailed(result, /ETIMEDOUT|no complete answer within/)
    assert.ok(ms < 2000 + SLACK_MS, `took ${ms} ms for a 2 s timeout`)
  })
})
