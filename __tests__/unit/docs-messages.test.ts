/**
 * The messages the docs quote are the messages the action prints: every quote in a troubleshooting table
 * (the first column of a table headed "the action says") and every line of a `text` block in README.md and
 * docs/*.md must match a message produced here by the code in src/, in scenarios a customer meets. `…` in a
 * quote stands for what differs from run to run (a client ID, a host, a count). The server descriptions fed in
 * are Keycloak's (see /work/shared/KEYCLOAK.md and __tests__/keycloak/keycloak.smoke.test.ts).
 */
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import type { Attempts } from '../../src/net/attempts.ts'
import { checkClientAuth } from '../../src/oauth/client-auth.ts'
import { readConfig } from '../../src/common/config.ts'
import { parseDiscovery, resolveEndpoints } from '../../src/oauth/endpoints.ts'
import { describeError } from '../../src/common/errors.ts'
import { checkIssuedClient, githubIdToken, requireIdTokenPermission } from '../../src/oauth/github-oidc.ts'
import { runMain } from '../../src/run-main.ts'
import { requestToken } from '../../src/oauth/token-request.ts'
import { runTokenCommand } from '../../src/agent/cli.ts'
import { deriveApiUrl } from '../../src/scan/api-url.ts'
import { agentTokens } from '../../src/scan/tokens.ts'
import { TransportError } from '../../src/net/transport.ts'
import { type HttpResponse, type Transport } from '../../src/net/http.ts'
import { testDeps } from '../support/fake-core.ts'
import { docFiles, fences, readDoc, tableRows } from '../support/markdown.ts'

const TOKEN_URL = 'https://kc.example.com/realms/BinarlyRealm/protocol/openid-connect/token'
const BASE = { 'auth-url': TOKEN_URL, 'client-id': 'ci-firmware-scans', 'client-secret': 's3cret-value' }
const noFiles = { readFile: (): string => assert.fail('no file in this test') }

/** What the action says when it throws. */
async function said(run: () => unknown): Promise<string> {
  try {
    await run()
  } catch (error) {
    return describeError(error)
  }
  return assert.fail('expected a failure')
}

const json = (status: number, body: object, headers: Record<string, string> = {}): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body)
})

/** A token request against a server that answers `answers` in turn (the last one repeats), on a fake clock. */
async function tokenFailure(
  answers: (HttpResponse | TransportError)[],
  inputs: Record<string, string> = {},
  env: Record<string, string> = {},
  idToken = GITHUB_TOKEN
): Promise<{ message: string; lines: string[] }> {
  const config = readConfig(name => ({ ...BASE, ...inputs })[name], noFiles)
  let now = 1_000_000
  const lines: string[] = []
  const attempts: Attempts = {
    policy: { retries: config.retries, deadline: now + config.timeoutMs, baseDelayMs: 500, maxDelayMs: 10_000 },
    totalMs: config.timeoutMs,
    clock: {
      now: () => now,
      sleep: async ms => {
        now += ms
      },
      random: () => 0.6
    },
    log: { info: line => lines.push(line), debug: () => undefined }
  }
  let call = 0
  const transport: Transport = async () => {
    now += 85
    const answer = answers[Math.min(call++, answers.length - 1)]
    if (answer instanceof TransportError) throw answer
    return answer ?? assert.fail('no answer')
  }
  const saved = { ...process.env }
  Object.assign(process.env, env)
  try {
    const message = await said(() =>
      requestToken(config, TOKEN_URL, {
        transport,
        attempts,
        setSecret: () => undefined,
        auth: {
          clientId: config.clientId,
          oidcAudience: 'https://kc.example.com/realms/BinarlyRealm',
          getIDToken: async () => idToken,
          now: () => now
        }
      })
    )
    return { message, lines }
  } finally {
    for (const name of Object.keys(env)) {
      const before = saved[name]
      if (before === undefined) Reflect.deleteProperty(process.env, name)
      else process.env[name] = before
    }
  }
}

/** A GitHub OIDC token as the runner's service issues it (never verified here, only decoded). */
const jwt = (claims: object): string =>
  [{ alg: 'RS256', typ: 'JWT' }, claims]
    .map(part => Buffer.from(JSON.stringify(part)).toString('base64url'))
    .join('.') + '.c2lnbmF0dXJl'
const GITHUB_TOKEN = jwt({
  iss: 'https://token.actions.githubusercontent.com',
  sub: 'repo:OWNER/REPO:ref:refs/heads/main',
  aud: 'https://kc.example.com/realms/BinarlyRealm'
})
const keycloak = (status: number, error: string, description?: string): HttpResponse =>
  json(status, description ? { error, error_description: description } : { error })
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const rsaPem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
const encryptedPem = rsa.privateKey
  .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pass phrase' })
  .toString()
const keyInputs = { 'auth-method': 'private_key_jwt', 'private-key': rsaPem, 'client-secret': '' }
const oidcInputs = { 'auth-method': 'github_oidc', 'client-secret': '', 'client-id': 'github-firmware-pipeline' }
const config = (inputs: Record<string, string | undefined>) => () =>
  readConfig(name => ({ ...BASE, ...inputs })[name], noFiles)

/** Every message the scenarios make the action print: errors, warnings, retry lines. */
async function corpus(): Promise<string[]> {
  const messages: string[] = []
  const add = (...texts: string[]): void => {
    messages.push(...texts)
  }
  // Inputs.
  for (const inputs of [
    { 'client-secret': '' },
    { 'auth-url': '' },
    { 'client-id': '' },
    { timeout: 'abc' },
    { retries: '11' },
    { 'min-validity': '-5' },
    { revoke: 'enabled' },
    { 'auth-url': 'http://kc.corp.example/realms/BinarlyRealm' },
    { 'auth-method': 'private_key_jwt', 'client-secret': '' },
    { 'client-id': 'ci##[stop-commands]x' }
  ]) {
    add(await said(config(inputs)))
  }
  add(...config({ 'auth-url': 'http://kc.lab.example:8080/token', 'allow-http': 'true' })().warnings)
  add(await said(() => requireIdTokenPermission({})))
  add(await said(() => checkIssuedClient(jwt({ azp: 'github-other-repo' }), 'github-firmware-pipeline', undefined)))
  add(await said(() => checkClientAuth(config({ ...keyInputs, 'signing-algorithm': 'ES256' })().clientAuth, {})))
  add(await said(() => checkClientAuth(config({ ...keyInputs, 'private-key': encryptedPem })().clientAuth, {})))
  const garbage = '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n'
  add(await said(() => checkClientAuth(config({ ...keyInputs, 'private-key': garbage })().clientAuth, {})))
  add(
    await said(() => githubIdToken(() => Promise.reject(new Error('Failed to get ID Token. Error Code : 503')), 'aud'))
  )

  // Keycloak's answers to a token request.
  const invalid = 'Invalid client or Invalid client credentials'
  const scenarios: [(HttpResponse | TransportError)[], Record<string, string>?, Record<string, string>?][] = [
    [[keycloak(401, 'unauthorized_client', invalid)]],
    [[keycloak(401, 'invalid_client', invalid)]],
    [[keycloak(401, 'unauthorized_client', 'Client not enabled to retrieve service account')]],
    [[keycloak(401, 'unauthorized_client', 'Public client not allowed to retrieve service account')]],
    [[keycloak(404, 'Realm does not exist')]],
    [[keycloak(404, 'Unable to find matching target resource method')]],
    [[keycloak(400, 'invalid_scope', 'Invalid scopes: binarly:nope')], { scope: 'binarly:nope' }],
    [[keycloak(403, 'invalid_request', 'HTTPS required')]],
    [[keycloak(401, 'invalid_client', invalid)], oidcInputs],
    [[keycloak(400, 'invalid_client', 'Invalid token audience')], oidcInputs],
    [[keycloak(400, 'invalid_client', 'Token is not active')], oidcInputs],
    [[keycloak(400, 'invalid_client', 'Token reuse detected')], oidcInputs],
    [
      [
        keycloak(
          400,
          'invalid_client',
          'Client authentication with signed JWT failed: Signature on JWT token failed validation'
        )
      ],
      keyInputs
    ],
    [[keycloak(400, 'invalid_client', 'Unable to load public key')], keyInputs],
    [[keycloak(400, 'invalid_client', 'Invalid signature algorithm')], keyInputs],
    [[json(503, {}), json(503, {}), json(503, {}), json(503, {})]],
    [[{ status: 429, headers: { 'retry-after': '60' }, body: '' }]],
    [[new TransportError('socket hang up', 'ECONNRESET')], { retries: '3' }],
    [[new TransportError('connect ECONNREFUSED 10.0.0.7:443', 'ECONNREFUSED')], { retries: '0' }],
    [[new TransportError('no complete answer within 10 s', 'ETIMEDOUT')], { retries: '1' }],
    [[new TransportError('getaddrinfo ENOTFOUND kc.example.com', 'ENOTFOUND')], { retries: '0' }],
    [[new TransportError('unable to verify the first certificate', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')]],
    [
      [new TransportError('tunneling socket could not be established, statusCode=407', 'ECONNRESET')],
      {},
      { HTTPS_PROXY: 'http://proxy.corp.example:3128' }
    ]
  ]
  for (const [answers, inputs, env] of scenarios) {
    const { message, lines } = await tokenFailure(answers, inputs, env)
    add(message, ...lines)
  }

  // A repository whose sub carries GitHub's immutable owner and repository IDs (created or renamed after
  // 2026-06-18), refused: the message quotes that sub.
  const immutable = jwt({
    iss: 'https://token.actions.githubusercontent.com',
    sub: 'repo:octocat-123456/my-repo-456789:ref:refs/heads/main',
    aud: 'https://kc.example.com/realms/BinarlyRealm'
  })
  add((await tokenFailure([keycloak(401, 'invalid_client', invalid)], oidcInputs, {}, immutable)).message)

  // A server that never answers within the timeout.
  const hanging = new TransportError('no complete answer within 10 s', 'ETIMEDOUT')
  add((await tokenFailure([hanging], { retries: '10' })).message)

  // The log of a successful run through a proxy, with an extra CA.
  const proxyEnv = { HTTPS_PROXY: 'http://proxy.corp.example:3128' }
  const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'
  const { deps, recorded } = testDeps(
    { ...BASE, 'ca-certificate': ca },
    {
      transport: async () => json(200, { access_token: 'eyJ.a.b', token_type: 'Bearer', expires_in: 300 }),
      trustCAs: async () => 1
    }
  )
  const saved = process.env.HTTPS_PROXY
  process.env.HTTPS_PROXY = proxyEnv.HTTPS_PROXY
  try {
    await runMain(deps)
  } finally {
    if (saved === undefined) delete process.env.HTTPS_PROXY
    else process.env.HTTPS_PROXY = saved
  }
  add(...recorded.calls.filter(([kind]) => kind === 'info' || kind === 'warning').map(([, text]) => text))

  // Discovery documents that would send the credentials elsewhere.
  const realm = new URL('https://kc.example.com/realms/BinarlyRealm')
  const wellKnown = `${realm.href}/.well-known/openid-configuration`
  const document = (fields: object): string => JSON.stringify({ issuer: realm.href, ...fields })
  add(
    await said(() =>
      parseDiscovery(document({ issuer: 'https://kc.internal:8443/realms/BinarlyRealm' }), realm, wellKnown)
    )
  )
  add(
    await said(() => parseDiscovery(document({ token_endpoint: 'https://elsewhere.example/token' }), realm, wellKnown))
  )

  // OpenID discovery of a realm that does not exist.
  const attempts: Attempts = {
    policy: { retries: 0, deadline: Date.now() + 30_000, baseDelayMs: 500, maxDelayMs: 10_000 },
    totalMs: 30_000,
    clock: { now: () => Date.now(), sleep: async () => undefined, random: () => 0 },
    log: { info: () => undefined, debug: () => undefined }
  }
  add(
    await said(() =>
      resolveEndpoints(
        new URL('https://kc.example.com/realms/Nope'),
        async () => keycloak(404, 'Realm does not exist'),
        attempts
      )
    )
  )
  // The realm URL under /auth, as Keycloak before 17 served it; and a server whose description ends a sentence.
  for (const [url, answer] of [
    [
      'https://kc.example.com/auth/realms/BinarlyRealm',
      keycloak(404, 'Unable to find matching target resource method')
    ],
    ['https://kc.example.com/realms/Gone', keycloak(404, 'not_found', 'For more on this error consult the server log.')]
  ] as const) {
    add(await said(() => resolveEndpoints(new URL(url), async () => answer, attempts)))
  }
  add(...(await tokenCommandMessages()))
  // The scan step: without the agent, and api-url derived from a SaaS Auth URL.
  add(await said(() => agentTokens({}, () => undefined)))
  add(deriveApiUrl('https://auth-acme.binarly.cloud/realms/BinarlyRealm/protocol/openid-connect/token').notice)
  return messages
}

/** What `binarly-token` prints on stderr: its agent gone, not listening, and a token shorter-lived than asked. */
async function tokenCommandMessages(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'binarly-docs-'))
  const printed: string[] = []
  const command = async (agentDir: string, argv: string[] = []): Promise<void> => {
    const io = {
      stdout: () => undefined,
      stderr: (text: string) => printed.push(text.trim()),
      stdin: () => Promise.resolve(''),
      now: () => 0
    }
    await runTokenCommand(argv, { BINARLY_TOKEN_AGENT: agentDir }, io)
  }
  const agentAt = (socket: string): void =>
    writeFileSync(join(dir, 'agent.json'), JSON.stringify({ socket, key: 'k', timeoutMs: 30_000 }))
  try {
    await command(join(dir, 'gone'))
    // --renew without the refused token on standard input.
    await command(join(dir, 'gone'), ['--renew'])
    // A token given as an argument, by mistake.
    await command(join(dir, 'gone'), ['--renew', 'a-token-given-as-argument'])
    // A path that is no listening socket: connecting to it is refused.
    writeFileSync(join(dir, 'not-a-socket'), '')
    agentAt(join(dir, 'not-a-socket'))
    await command(dir)
    // An agent whose fresh tokens live 300 s, asked for 600.
    const socket = join(dir, 'agent.sock')
    const server = createServer(connection =>
      connection.once('data', () =>
        connection.end(
          `${JSON.stringify({ ok: true, fresh: true, minValidity: 600, shortLived: 300, token: { access_token: 'a-token-of-the-docs', token_type: 'Bearer', expires_at: null, scope: null } })}\n`
        )
      )
    )
    await new Promise<void>(resolve => server.listen(socket, resolve))
    agentAt(socket)
    await command(dir, ['--min-validity', '600'])
    await new Promise<void>(resolve => server.close(() => resolve()))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return printed
}

/** Whether every `…`-separated piece of `quote` occurs in `message`, in order. */
function quotes(message: string, quote: string): boolean {
  let from = 0
  for (const piece of quote
    .split('…')
    .map(p => p.trim())
    .filter(Boolean)) {
    const at = message.indexOf(piece, from)
    if (at < 0) return false
    from = at + piece.length
  }
  return true
}

/** The quotes to check: `code` in the first column of "the action says" tables, and each line of text blocks. */
function documentedQuotes(): { where: string; quote: string }[] {
  const found: { where: string; quote: string }[] = []
  for (const file of docFiles()) {
    for (const row of tableRows(file, 'the action says')) {
      // The first code span is the message; words after it may say more.
      const code = /^`([^`]+)`/.exec(row.cells[0] ?? '')?.[1]
      assert.ok(code, `${row.where}: the first column does not start with the quoted message as a \`code span\``)
      found.push({ where: row.where, quote: code })
    }
    for (const fence of fences(file).filter(f => f.lang === 'text')) {
      for (const line of fence.text.split('\n').filter(l => l.trim())) found.push({ where: fence.where, quote: line })
    }
    // Log lines quoted in the prose: a code span of several words that ends a sentence.
    for (const [, quote = ''] of readDoc(file).matchAll(/`([^`\n]{20,}\.)`/g)) found.push({ where: file, quote })
  }
  return found
}

describe('messages quoted in README.md and docs/ are what the action prints', async () => {
  const messages = await corpus()
  const documented = documentedQuotes()

  test('the README troubleshooting table is checked, and so is the one of client authentication', () => {
    assert.ok(documented.filter(d => d.where.startsWith('README.md')).length >= 15)
    assert.ok(documented.some(d => d.where.startsWith('docs/client-authentication.md')))
    assert.ok(documented.some(d => d.where.startsWith('docs/resilience.md')))
  })

  for (const { where, quote } of documented) {
    test(`${where}: ${quote.slice(0, 70)}`, () => {
      assert.ok(
        messages.some(message => quotes(message, quote)),
        `${where} quotes a message the action does not print:\n  ${quote}\nclosest messages:\n  ${messages
          .filter(m => quote.split('…').some(p => p.trim().length > 8 && m.includes(p.trim().slice(0, 20))))
          .slice(0, 3)
          .join('\n  ')}`
      )
    })
  }

  test('no message ends a sentence twice, even when the server text it quotes ends in a full stop', () => {
    const doubled = messages.filter(message => /[^.]\.\.(?!\.)/.test(message))
    assert.deepEqual(doubled, [])
    assert.ok(messages.some(message => message.includes('consult the server log.')))
  })

  test('every hint the README promises for Keycloak answers is in its table', () => {
    const readme = documented.filter(d => d.where.startsWith('README.md')).map(d => d.quote)
    for (const start of [
      'The client secret of',
      'is unknown or disabled',
      'cannot use the client credentials grant',
      'is a public client',
      'does not exist on this server',
      'is not available to client',
      'requires HTTPS',
      'serves nothing at this path',
      'has /auth before /realms',
      'Nothing accepted the connection'
    ]) {
      assert.ok(
        readme.some(q => q.includes(start)),
        `README troubleshooting has no row for "${start}"`
      )
    }
  })

  test('the matcher: pieces in order, … for what varies', () => {
    assert.ok(quotes('Client "ci" is unknown or disabled', 'Client "…" is unknown'))
    assert.ok(!quotes('is unknown Client "ci"', 'Client "…" is unknown or disabled'))
  })
})
