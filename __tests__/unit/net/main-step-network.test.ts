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
function store(bundled: string[], extra: string[], settable = true): CaStore & { list: string[] } {
  const s = {
    list: [...bundled, ...extra],
    getCACertificates: (type?: string) => (type === 'extra' ? extra : s.list),
    ...(settable ? { setDefaultCACertificates: (certs: string[]) => void (s.list = [...certs]) } : {})
  }
  return s as CaStore & { list: string[] }
}

const files = (content: Record<string, string>) => (path: string) => {
  const text = content[path]
  if (text === undefined) throw new Error('ENOENT')
  return text
}

test('the main step records the variables it ran with and the digest of its extra CA file', () => {
  const record = JSON.parse(
    recordNetwork(
      { HTTPS_PROXY: 'http://proxy:3128', no_proxy: 'x', NODE_EXTRA_CA_CERTS: '/ca.pem', PATH: '/bin' },
      files({ '/ca.pem': CERT('corp') })
    )
  ) as NetworkRecord
  assert.deepEqual(record.env, { HTTPS_PROXY: 'http://proxy:3128', no_proxy: 'x', NODE_EXTRA_CA_CERTS: '/ca.pem' })
  assert.match(record.extraCaDigest ?? '', /^[0-9a-f]{64}$/)
  // A file Node could not load either: no extra CA was trusted, none is recorded.
  assert.equal(
    (JSON.parse(recordNetwork({ NODE_EXTRA_CA_CERTS: '/gone' }, files({}))) as NetworkRecord).extraCaDigest,
    undefined
  )
})

test('the post step puts the variables back, drops the CAs a later step loaded and keeps the verified ones', () => {
  const recorded = recordNetwork(
    { HTTPS_PROXY: 'http://proxy:3128', NODE_EXTRA_CA_CERTS: '/ca.pem' },
    files({ '/ca.pem': CERT('corp') })
  )
  const env: NodeJS.ProcessEnv = {
    HTTPS_PROXY: 'http://attacker:1',
    NODE_TLS_REJECT_UNAUTHORIZED: '0',
    NODE_EXTRA_CA_CERTS: '/evil.pem',
    PATH: '/bin'
  }
  const tls = store([CERT('bundled')], [CERT('evil')])
  const use = useMainStepNetwork(recorded, env, { readFile: files({ '/ca.pem': CERT('corp') }), store: tls })
  assert.deepEqual(use, { ignored: ['HTTPS_PROXY', 'NODE_EXTRA_CA_CERTS', 'NODE_TLS_REJECT_UNAUTHORIZED'] })
  assert.deepEqual(env, { HTTPS_PROXY: 'http://proxy:3128', NODE_EXTRA_CA_CERTS: '/ca.pem', PATH: '/bin' })
  assert.deepEqual(tls.list, [CERT('bundled'), CERT('corp')])
})

test('nothing to change in the CA list when neither step has extra CAs', () => {
  const tls = store([CERT('bundled')], [], false)
  assert.deepEqual(useMainStepNetwork(recordNetwork({}, files({})), {}, { readFile: files({}), store: tls }), {
    ignored: []
  })
})

test('what cannot be honoured is refused, naming the variable, and nothing is changed', () => {
  const recorded = recordNetwork(
    { NODE_EXTRA_CA_CERTS: '/ca.pem', SSL_CERT_DIR: '/etc/ssl' },
    files({ '/ca.pem': CERT('corp') })
  )
  const refused = (env: NodeJS.ProcessEnv, content: Record<string, string>, settable = true, record = recorded) => {
    const before = { ...env }
    const use = useMainStepNetwork(record, env, { readFile: files(content), store: store([], [], settable) })
    assert.deepEqual(env, before)
    return use.refused
  }
  const base = { NODE_EXTRA_CA_CERTS: '/ca.pem', SSL_CERT_DIR: '/etc/ssl' }
  assert.deepEqual(refused({ ...base }, { '/ca.pem': CERT('evil') }), {
    variable: 'NODE_EXTRA_CA_CERTS',
    why: 'the file it names (/ca.pem) changed since the main step trusted it'
  })
  assert.deepEqual(
    refused({ ...base }, {})?.why,
    'the file it names (/ca.pem) is gone or unreadable since the main step trusted it'
  )
  assert.deepEqual(refused({ ...base, SSL_CERT_DIR: '/tmp/##[x]' }, { '/ca.pem': CERT('corp') }), {
    variable: 'SSL_CERT_DIR',
    why: 'it was "/etc/ssl" in the main step and is "/tmp/##\\[x]" now (OpenSSL reads it, so the post step cannot set it back)'
  })
  assert.equal(refused({ NODE_EXTRA_CA_CERTS: '/ca.pem' }, { '/ca.pem': CERT('corp') })?.variable, 'SSL_CERT_DIR')
  assert.equal(
    refused({ ...base }, { '/ca.pem': CERT('corp') }, false)?.why,
    'this Node.js cannot change its CA list (it needs Node.js 24)'
  )
  for (const broken of ['', 'null', '{"env":null}', '[]']) {
    assert.equal(refused({}, {}, true, broken)?.variable, 'the main step’s network settings')
  }
})
