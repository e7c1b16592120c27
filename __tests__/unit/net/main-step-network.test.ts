/**
 * The main step's network for the post step (issue 27): what the main step records, and how the post step
 * puts it back or refuses to send a credential. The store is a stand-in for node:tls's default CA list; the
 * runner-style proof (a hostile later step, a real intercepting proxy) is e2e/later-steps-network.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { recordNetwork, useMainStepNetwork, type NetworkRecord } from '../../../src/net/main-step-network.ts'
import type { CaStore } from '../../../src/net/tls.ts'

const CERT = (n: string): string => `-----BEGIN CERTIFICATE-----\n${n}\n-----END CERTIFICATE-----`

/** A default CA list: bundled certificates, and what NODE_EXTRA_CA_CERTS loaded at start. */
function store(bundled: string[], extra: string[], settable = true): CaStore & { list: string[]; loads: number } {
  const s = {
    list: [...bundled, ...extra],
    loads: 0,
    getCACertificates: (type?: string) => (type === 'extra' ? extra : s.list),
    ...(settable ? { setDefaultCACertificates: (certs: string[]) => void (s.list = [...certs]) } : {})
  }
  return s as CaStore & { list: string[]; loads: number }
}

/** The deps of useMainStepNetwork: files by path, and the store (counting its loads). */
function deps(content: Record<string, string>, tls = store([], [])) {
  return {
    readFile: (path: string) => {
      const text = content[path]
      if (text === undefined) throw new Error('ENOENT')
      return text
    },
    store: () => {
      tls.loads++
      return Promise.resolve(tls)
    }
  }
}

test('the main step records the variables it ran with, the digest of its extra CA file, and of a proxy URL with a password only', () => {
  const record = JSON.parse(
    recordNetwork(
      {
        HTTPS_PROXY: 'http://proxy:3128',
        http_proxy: 'http://u:p%40ss@proxy:3128',
        no_proxy: 'x',
        NODE_EXTRA_CA_CERTS: '/ca.pem',
        PATH: '/bin'
      },
      deps({ '/ca.pem': CERT('corp') }).readFile
    )
  ) as NetworkRecord
  assert.deepEqual(record.env, { HTTPS_PROXY: 'http://proxy:3128', no_proxy: 'x', NODE_EXTRA_CA_CERTS: '/ca.pem' })
  assert.deepEqual(Object.keys(record.digests ?? {}), ['http_proxy'])
  assert.match(record.extraCaDigest ?? '', /^[0-9a-f]{64}$/)
  // A file Node could not load either: no extra CA was trusted, none is recorded.
  const gone = JSON.parse(recordNetwork({ NODE_EXTRA_CA_CERTS: '/gone' }, deps({}).readFile)) as NetworkRecord
  assert.equal(gone.extraCaDigest, undefined)
})

test('the post step puts the variables back, drops the CAs a later step loaded and keeps the verified ones', async () => {
  const files = { '/ca.pem': CERT('corp') }
  const withPassword = 'http://u:secret@proxy:3128'
  const recorded = recordNetwork(
    { HTTPS_PROXY: 'http://proxy:3128', http_proxy: withPassword, NODE_EXTRA_CA_CERTS: '/ca.pem' },
    deps(files).readFile
  )
  const env: NodeJS.ProcessEnv = {
    HTTPS_PROXY: 'http://attacker:1',
    http_proxy: withPassword,
    NODE_TLS_REJECT_UNAUTHORIZED: '0',
    NODE_EXTRA_CA_CERTS: '/evil.pem',
    PATH: '/bin'
  }
  const tls = store([CERT('bundled')], [CERT('evil')])
  const use = await useMainStepNetwork(recorded, env, deps(files, tls))
  assert.deepEqual(use, { ignored: ['HTTPS_PROXY', 'NODE_EXTRA_CA_CERTS', 'NODE_TLS_REJECT_UNAUTHORIZED'] })
  assert.deepEqual(env, {
    HTTPS_PROXY: 'http://proxy:3128',
    http_proxy: withPassword,
    NODE_EXTRA_CA_CERTS: '/ca.pem',
    PATH: '/bin'
  })
  assert.deepEqual(tls.list, [CERT('bundled'), CERT('corp')])
})

test('no extra CAs in either step: node:tls is not even loaded', async () => {
  const tls = store([CERT('bundled')], [], false)
  assert.deepEqual(await useMainStepNetwork(recordNetwork({}, deps({}).readFile), {}, deps({}, tls)), { ignored: [] })
  assert.equal(tls.loads, 0)
})

test('what cannot be honoured is refused, naming the variable, and nothing is changed', async () => {
  const files = { '/ca.pem': CERT('corp') }
  const recorded = recordNetwork(
    { NODE_EXTRA_CA_CERTS: '/ca.pem', SSL_CERT_DIR: '/etc/ssl', HTTPS_PROXY: 'http://u:pw@proxy:1' },
    deps(files).readFile
  )
  const base = { NODE_EXTRA_CA_CERTS: '/ca.pem', SSL_CERT_DIR: '/etc/ssl', HTTPS_PROXY: 'http://u:pw@proxy:1' }
  const refused = async (
    env: NodeJS.ProcessEnv,
    content: Record<string, string>,
    settable = true,
    record = recorded
  ) => {
    const before = { ...env }
    const use = await useMainStepNetwork(record, env, deps(content, store([], [], settable)))
    assert.deepEqual(env, before)
    return use.refused
  }
  assert.deepEqual(await refused({ ...base }, { '/ca.pem': CERT('evil') }), {
    variable: 'NODE_EXTRA_CA_CERTS',
    why: 'the file it names (/ca.pem) changed since the main step trusted it'
  })
  assert.equal(
    (await refused({ ...base }, {}))?.why,
    'the file it names (/ca.pem) is gone or unreadable since the main step trusted it'
  )
  assert.deepEqual(await refused({ ...base, SSL_CERT_DIR: '/tmp/##[x]' }, files), {
    variable: 'SSL_CERT_DIR',
    why: 'it was "/etc/ssl" in the main step and is "/tmp/##\\[x]" now (OpenSSL reads it, so the post step cannot set it back)'
  })
  assert.equal((await refused({ ...base, SSL_CERT_DIR: undefined }, files))?.variable, 'SSL_CERT_DIR')
  for (const proxy of ['http://u:pw@attacker:1', undefined]) {
    assert.deepEqual(await refused({ ...base, HTTPS_PROXY: proxy }, files), {
      variable: 'HTTPS_PROXY',
      why: 'it held a proxy password in the main step, which the post step does not keep, and a later step changed it'
    })
  }
  assert.equal(
    (await refused({ ...base }, files, false))?.why,
    'this Node.js cannot change its CA list (it needs Node.js 24)'
  )
  for (const broken of ['', 'null', '{"env":null}', '[]']) {
    assert.equal((await refused({}, {}, true, broken))?.variable, 'the main step’s network settings')
  }
})

test('a recorded CA file that holds no certificate adds none (Node trusted none from it either)', async () => {
  const files = { '/empty.pem': 'no certificate here\n' }
  const recorded = recordNetwork({ NODE_EXTRA_CA_CERTS: '/empty.pem' }, deps(files).readFile)
  const tls = store([CERT('bundled')], [])
  const env: NodeJS.ProcessEnv = { NODE_EXTRA_CA_CERTS: '/empty.pem' }
  assert.deepEqual(await useMainStepNetwork(recorded, env, deps(files, tls)), { ignored: [] })
  assert.deepEqual(tls.list, [CERT('bundled')])
})
