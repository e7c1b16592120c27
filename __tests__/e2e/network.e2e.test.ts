/**
 * Enterprise networks, through the main bundle run the way the runner runs it: a Keycloak stand-in behind
 * a private CA (ca-certificate, NODE_EXTRA_CA_CERTS), a real CONNECT proxy (HTTPS_PROXY / https_proxy /
 * NO_PROXY, credentials in the proxy URL), and the http:// policy. The proxy maps the made-up host
 * keycloak.test to 127.0.0.1, since @actions/http-client never proxies loopback addresses.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startBlackHole, type BlackHole, type FaultProxy } from '../support/fault-proxy.ts'
import { startForwardProxy, type ForwardProxy } from '../support/forward-proxy.ts'
import { assertMaskedFirst, assertNowhere } from '../support/leaks.ts'
import { CLIENTS, startOidcServer, type OidcServer } from '../support/oidc-server.ts'
import { runStep, visibleOutput, type StepResult } from '../support/runner.ts'
import { makeCa, startTlsServer, type TestCa } from '../support/tls-server.ts'

const SECRET = CLIENTS.post.secret
const PROXY_USER = 'ci-proxy-user'
const PROXY_PASSWORD = 'pr0xy p@ss:w/rd'
/** Every variable the harness could inherit that would change the network path. */
const NO_PROXY_ENV = {
  HTTPS_PROXY: undefined,
  https_proxy: undefined,
  HTTP_PROXY: undefined,
  http_proxy: undefined,
  NO_PROXY: undefined,
  no_proxy: undefined
}

let oidc: OidcServer
let ca: TestCa
let otherCa: TestCa
let tls: FaultProxy
let proxy: ForwardProxy
let authProxy: ForwardProxy
let blackHole: BlackHole
before(async () => {
  blackHole = await startBlackHole()
  oidc = await startOidcServer()
  ca = makeCa('Binarly Test Corporate CA')
  otherCa = makeCa('Unrelated CA')
  tls = await startTlsServer(oidc.issuer, ca)
  const hosts = { 'keycloak.test': '127.0.0.1' }
  proxy = await startForwardProxy({ hosts })
  authProxy = await startForwardProxy({ hosts, credentials: { user: PROXY_USER, password: PROXY_PASSWORD } })
})
after(async () => {
  await Promise.all([tls.close(), proxy.close(), authProxy.close(), blackHole.close()])
  await oidc.close()
  ca.remove()
  otherCa.remove()
})

/** Runs the main step with the client_secret_post client and the given inputs and environment. */
async function run(inputs: Record<string, string>, env: Record<string, string | undefined> = {}): Promise<StepResult> {
  tls.script([])
  proxy.reset()
  authProxy.reset()
  return runStep(
    'main',
    { 'client-id': CLIENTS.post.id, 'client-secret': SECRET, ...inputs },
    { env: { ...NO_PROXY_ENV, ...env }, killAfterMs: 30_000 }
  )
}

const tlsUrl = (host: 'localhost' | 'keycloak.test'): string => `https://${host}:${tls.port}/token`

async function assertToken(result: StepResult, secrets: string[] = []): Promise<void> {
  assert.equal(result.code, 0, result.stdout + result.stderr)
  const token = result.outputs['access-token'] ?? ''
  assertMaskedFirst(result, token)
  assertNowhere(result, [SECRET, ...secrets])
  assert.equal((await oidc.introspect(token)).active, true)
}

function assertFailure(result: StepResult, message: RegExp, secrets: string[] = []): void {
  assert.equal(result.code, 1, result.stdout + result.stderr)
  assert.equal(result.errors.length, 1, result.stdout)
  assert.match(result.errors[0] ?? '', message)
  assert.doesNotMatch(visibleOutput(result), /^\s+at .+:\d+:\d+\)?$/m, 'a stack trace was printed')
  assertNowhere(result, [SECRET, ...secrets])
}

describe('ca-certificate: a server behind an internal CA', () => {
  test('the PEM text is trusted', async () => {
    const result = await run({ 'auth-url': tlsUrl('localhost'), 'ca-certificate': ca.cert })
    await assertToken(result)
    assert.match(result.stdout, /^Trusting 1 extra CA certificate from ca-certificate\.$/m)
    assert.equal(tls.requests.length, 1)
  })

  test('a path to a PEM file is trusted', async () => {
    const result = await run({ 'auth-url': tlsUrl('localhost'), 'ca-certificate': ca.certPath })
    await assertToken(result)
    assert.equal(tls.requests.length, 1)
  })

  test('without it: one clear TLS error naming the host and ca-certificate, not retried', async () => {
    const result = await run({ 'auth-url': tlsUrl('localhost') })
    assertFailure(
      result,
      new RegExp(
        `TLS: the certificate of localhost:${tls.port} is not signed by a CA this runner trusts \\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\\): if the server uses an internal or corporate CA, pass that CA's PEM certificate \\(the text, or a file path\\) as the ca-certificate input\\.$`
      )
    )
    assert.equal(tls.connections(), 1)
    assert.equal(tls.requests.length, 0)
  })

  test("another CA's certificate does not make the server trusted", async () => {
    const result = await run({ 'auth-url': tlsUrl('localhost'), 'ca-certificate': otherCa.cert })
    assertFailure(result, /not signed by a CA this runner trusts/)
    assert.equal(tls.requests.length, 0)
  })

  test('NODE_EXTRA_CA_CERTS set on the job keeps working, alone or beside ca-certificate', async () => {
    const alone = await run({ 'auth-url': tlsUrl('localhost') }, { NODE_EXTRA_CA_CERTS: ca.certPath })
    await assertToken(alone)
    // ca-certificate adds to the trusted CAs; it does not replace NODE_EXTRA_CA_CERTS.
    const beside = await run(
      { 'auth-url': tlsUrl('localhost'), 'ca-certificate': otherCa.cert },
      { NODE_EXTRA_CA_CERTS: ca.certPath }
    )
    await assertToken(beside)
  })
})

describe('proxies', () => {
  test('HTTPS_PROXY: the request goes through a CONNECT tunnel, and ca-certificate still applies inside it', async () => {
    const result = await run(
      { 'auth-url': tlsUrl('keycloak.test'), 'ca-certificate': ca.cert },
      { HTTPS_PROXY: proxy.url }
    )
    await assertToken(result)
    assert.deepEqual(proxy.tunnels, [`keycloak.test:${tls.port}`])
    assert.equal(tls.requests.length, 1)
    assert.match(result.stdout, new RegExp(`^Connecting through the proxy ${proxy.url}\\.$`, 'm'))
  })

  test('through the proxy without ca-certificate, the TLS error names the real host', async () => {
    const result = await run({ 'auth-url': tlsUrl('keycloak.test'), retries: '0' }, { HTTPS_PROXY: proxy.url })
    assertFailure(
      result,
      new RegExp(`the certificate of keycloak\\.test:${tls.port} is not signed by a CA this runner trusts`)
    )
    assert.equal(proxy.tunnels.length, 1)
  })

  test('https_proxy with credentials in the URL: they reach the proxy and are masked, never shown', async () => {
    const url = new URL(authProxy.url)
    url.username = PROXY_USER
    url.password = PROXY_PASSWORD
    const result = await run(
      { 'auth-url': tlsUrl('keycloak.test'), 'ca-certificate': ca.cert },
      { https_proxy: url.href }
    )
    await assertToken(result, [PROXY_PASSWORD, encodeURIComponent(PROXY_PASSWORD)])
    assert.equal(authProxy.tunnels.length, 1)
    assert.equal(authProxy.refused, 0)
    assert.ok(result.masks.includes(PROXY_PASSWORD), 'the proxy password was not masked')
    assert.ok(!visibleOutput(result).includes(PROXY_USER), 'the proxy user name is shown')
  })

  test('wrong proxy credentials: 407 fails at once with what to fix, and no password shown', async () => {
    const url = new URL(authProxy.url)
    url.username = PROXY_USER
    url.password = 'wrong-proxy-password'
    const result = await run(
      { 'auth-url': tlsUrl('keycloak.test'), 'ca-certificate': ca.cert },
      { HTTPS_PROXY: url.href }
    )
    assertFailure(
      result,
      new RegExp(
        `the proxy ${authProxy.url} would not open a tunnel to keycloak\\.test:${tls.port}: it asked for credentials \\(HTTP 407\\)`
      ),
      ['wrong-proxy-password']
    )
    assert.equal(authProxy.refused, 1)
    assert.equal(authProxy.tunnels.length, 0)
  })

  for (const [name, env] of [
    ['NO_PROXY naming the host', { HTTPS_PROXY: 'PROXY', NO_PROXY: 'keycloak.test' }],
    ['no_proxy naming its domain', { https_proxy: 'PROXY', no_proxy: 'example.com, .test' }]
  ] as const) {
    test(`${name} bypasses the proxy (and keycloak.test itself does not resolve)`, async () => {
      const proxied = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === 'PROXY' ? proxy.url : v]))
      const result = await run(
        { 'auth-url': tlsUrl('keycloak.test'), 'ca-certificate': ca.cert, retries: '0' },
        proxied
      )
      assertFailure(result, new RegExp(`the host keycloak\\.test:${tls.port} was not found \\(ENOTFOUND\\)`))
      assert.deepEqual(proxy.tunnels, [])
    })
  }

  test('a server that never answers, behind the proxy: each tunnel is torn down at the deadline, the step ends within timeout', async () => {
    const result = await run(
      { 'auth-url': `https://keycloak.test:${blackHole.port}/token`, timeout: '2' },
      { HTTPS_PROXY: proxy.url }
    )
    // A tunnel left open would keep the step's process alive until the runner kills it: assertFailure checks
    // that it exited by itself, with code 1 (run() kills it after 30 s, and a killed step has no code).
    assertFailure(result, /no complete answer within [\d.]+ m?s \(ETIMEDOUT\)\. Gave up after (\d) attempts/)
    const error = result.errors[0] ?? ''
    assert.equal(Number(/Gave up after (\d)/.exec(error)?.[1]), proxy.tunnels.length)
    // Within the timeout on the step's own clock (starting Node is not counted: it can take seconds on a loaded
    // machine); the slack is for timers running late under load.
    const took = /Gave up after \d+ attempts? in (\d+(?:\.\d+)?) (ms|s):/.exec(error)
    assert.ok(took, error)
    const ms = Number(took[1]) * (took[2] === 's' ? 1000 : 1)
    assert.ok(ms < 2000 + 1000, `took ${ms} ms for a 2 s timeout`)
  })

  test('a NO_PROXY that names other hosts leaves the proxy in use', async () => {
    const result = await run(
      { 'auth-url': tlsUrl('keycloak.test'), 'ca-certificate': ca.cert },
      { HTTPS_PROXY: proxy.url, NO_PROXY: 'example.com,other.test' }
    )
    await assertToken(result)
    assert.equal(proxy.tunnels.length, 1)
  })
})

describe('http:// policy', () => {
  const httpUrl = (): string => `http://keycloak.test:${new URL(oidc.issuer).port}/token`

  test('http:// to a host other than loopback fails before anything is sent', async () => {
    const before = oidc.tokenRequests().length
    const result = await run({ 'auth-url': httpUrl() }, { HTTP_PROXY: proxy.url })
    assertFailure(result, /auth-url: The Auth URL http:\/\/keycloak\.test:\d+ uses http:\/\/.*set allow-http: true/)
    assert.deepEqual([proxy.tunnels, proxy.plain], [[], []])
    assert.equal(oidc.tokenRequests().length, before)
  })

  test('allow-http: true sends it, with a warning', async () => {
    const result = await run({ 'auth-url': httpUrl(), 'allow-http': 'true' }, { HTTP_PROXY: proxy.url })
    await assertToken(result)
    assert.deepEqual(result.warnings, [
      `allow-http is true: credentials are sent in clear text to ${new URL(httpUrl()).origin}.`
    ])
    // @actions/http-client tunnels plain HTTP through CONNECT as well.
    assert.equal(proxy.tunnels.length, 1)
  })
})
