/**
 * The scan step in this process (the runner-style tests run its bundle): api-url derived from the agent's
 * Auth URL and printed, ca-certificate trusted, the agent's refusal inert, and an image that is not a file,
 * against the Binarly stand-in; only the name dashboard-acme.binarly.cloud is resolved to it here.
 */
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import { httpTransport } from '../../../src/net/transport.ts'
import { realClock } from '../../../src/net/retry.ts'
import { runScan, type ScanDeps } from '../../../src/scan/step.ts'
import { agentTokens } from '../../../src/scan/tokens.ts'
import { startBinarlyApi } from '../../support/binarly-api.ts'

const SAAS = 'https://auth-acme.binarly.cloud/realms/BinarlyRealm/protocol/openid-connect/token'

/** A token agent that answers every request with `answer` (the real one's protocol, agent/protocol.ts). */
async function fakeAgent(
  t: TestContext,
  answer: unknown
): Promise<{ dir: string; command: string; requests: unknown[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'binarly-scan-unit-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const requests: unknown[] = []
  const socket = join(dir, 'agent.sock')
  const server: Server = createServer(connection => {
    connection.setEncoding('utf8')
    connection.once('data', (line: string) => {
      requests.push(JSON.parse(line))
      connection.end(`${JSON.stringify(answer)}\n`)
    })
  })
  await new Promise<void>(resolve => server.listen(socket, resolve))
  t.after(() => server.close())
  writeFileSync(join(dir, 'agent.json'), JSON.stringify({ socket, key: 'k', timeoutMs: 5000 }))
  return { dir, command: join(dir, 'bin', 'binarly-token'), requests }
}

const okAnswer = (authUrl: string) => ({
  ok: true,
  token: { access_token: 'token-of-the-agent', token_type: 'Bearer', expires_at: null, scope: null },
  fresh: false,
  minValidity: 60,
  authUrl
})

function deps(inputs: Record<string, string>, env: NodeJS.ProcessEnv, extra: Partial<ScanDeps> = {}) {
  const seen = {
    info: [] as string[],
    masks: [] as string[],
    outputs: {} as Record<string, string>,
    summary: '',
    cas: 0
  }
  const d: ScanDeps = {
    core: {
      setSecret: s => seen.masks.push(s),
      info: m => seen.info.push(m),
      warning: m => seen.info.push(`warning ${String(m)}`),
      debug: () => undefined,
      setOutput: (name, value) => (seen.outputs[name] = String(value))
    },
    inputs: name => inputs[name],
    env,
    transport: httpTransport,
    clock: realClock,
    readFile: () => '',
    writeSummary: async md => void (seen.summary += md),
    trustCAs: async () => ++seen.cas,
    ...extra
  }
  return { d, seen }
}

describe('runScan in process', () => {
  test('api-url empty with a SaaS Auth URL: dashboard-<slug>.binarly.cloud, printed; ca-certificate trusted; every token masked', async t => {
    const agent = await fakeAgent(t, okAnswer(SAAS))
    const api = await startBinarlyApi({
      introspect: async () => ({ active: true, exp: Math.floor(Date.now() / 1000) + 3600 }),
      scanMs: 300,
      products: ['router'],
      findings: [{ issueStatus: 'rejected', name: 'cve-1' }],
      previousImage: { name: 'bios-0.9', findings: [{ issueStatus: 'new', name: 'cve-0' }] },
      // A total the pages do not hold: the comparison stops at the first empty page.
      tamper: { extraTotal: 3 }
    })
    t.after(() => api.close())
    const image = join(agent.dir, 'bios.bin')
    writeFileSync(image, 'firmware')
    const [productId = ''] = api.products.keys()
    const { d, seen } = deps(
      {
        image,
        'product-id': productId,
        'allow-http': 'true',
        'poll-interval': '1',
        'ca-certificate': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'
      },
      { BINARLY_TOKEN_COMMAND: agent.command },
      {
        // Only the name: the request goes to the stand-in, as a DNS answer for dashboard-acme.binarly.cloud would send it.
        transport: request =>
          httpTransport({ ...request, url: request.url.replace('https://dashboard-acme.binarly.cloud', api.url) })
      }
    )
    // The inflated totals fail the gate (no row to name); the comparison counted its rows and stopped.
    await assert.rejects(
      runScan(d),
      /^Error: Binarly scan [0-9A-Z]{26} failed: 3 finding\(s\) with issue status new or inProgress, any severity\.$/
    )
    assert.equal(seen.cas, 1)
    assert.ok(
      seen.info.includes(
        "api-url is empty: using https://dashboard-acme.binarly.cloud, derived from the sign-in step's Auth URL as a third-party description of Binarly's API gives it (Binarly's docs do not); set api-url if yours differs."
      )
    )
    assert.equal(seen.outputs['scan-state'], 'completed')
    assert.deepEqual(
      [seen.outputs['compared-resolved'], seen.outputs['compared-unchanged'], seen.outputs['compared-new']],
      ['1', '0', '1']
    )
    assert.ok(seen.masks.length > 3 && seen.masks.every(m => m === 'token-of-the-agent'))
    assert.deepEqual(agent.requests[0], { op: 'token', key: 'k' })
  })

  test("the agent's refusal is quoted inert", async t => {
    const agent = await fakeAgent(t, { ok: false, error: 'no token\n::error::forged' })
    const tokens = agentTokens({ BINARLY_TOKEN_COMMAND: agent.command }, () => assert.fail('nothing to mask'))
    await assert.rejects(tokens.token(), /^Error: the token agent could not give a token: no token\\n::error::forged$/)
    assert.equal(tokens.authUrl(), undefined)
  })

  test('an image that is missing or not a file is an input error, before any request', async t => {
    const dir = mkdtempSync(join(tmpdir(), 'binarly-scan-unit-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    mkdirSync(join(dir, 'out'))
    for (const [image, code] of [
      [join(dir, 'missing.bin'), 'ENOENT'],
      [join(dir, 'out'), 'not a file']
    ] as const) {
      const { d, seen } = deps({ image, 'product-id': '01ARZ3NDEKTSV4RRFFQ69G5FAV' }, {})
      await assert.rejects(
        runScan(d),
        new RegExp(`^InputError: image: .* cannot be read \\(${code}\\): build the image before this step`)
      )
      assert.match(
        seen.summary,
        /^### Binarly scan: not completed\n\n\*\*What went wrong, and what to change:\*\*\n\n> image: /
      )
    }
  })
})
