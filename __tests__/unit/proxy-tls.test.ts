/** Proxy credentials to mask, the proxy named in the log, and the ca-certificate bundle check. */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { InputError } from '../../src/errors.ts'
import { proxyFor, proxySecrets } from '../../src/proxy.ts'
import { splitPemBundle } from '../../src/tls.ts'
import { makeCa, type TestCa } from '../support/tls-server.ts'

describe('proxySecrets', () => {
  test('the password of every proxy variable, as written and decoded; never the user name', () => {
    const secrets = proxySecrets({
      HTTPS_PROXY: 'http://ci-user:p%40ss%20word@proxy.corp:3128',
      http_proxy: 'other:s3cret@proxy.corp:8080',
      NO_PROXY: 'user:not-a-proxy@x'
    })
    assert.deepEqual(new Set(secrets), new Set(['p%40ss%20word', 'p@ss word', 's3cret']))
  })

  test('nothing for proxies without credentials, empty or unreadable variables', () => {
    assert.deepEqual(
      proxySecrets({
        HTTPS_PROXY: 'http://proxy.corp:3128',
        https_proxy: '',
        HTTP_PROXY: 'http://[',
        http_proxy: 'http://u@p:1'
      }),
      []
    )
  })
})

describe('proxyFor', () => {
  const saved = { ...process.env }
  after(() => {
    for (const name of ['HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy']) {
      if (saved[name] === undefined) Reflect.deleteProperty(process.env, name)
      else process.env[name] = saved[name]
    }
  })

  test('the proxy without its credentials, or undefined when the host goes direct', () => {
    process.env.https_proxy = 'http://ci-user:s3cret@proxy.corp:3128'
    process.env.no_proxy = '.internal.example, kc.direct.example'
    assert.equal(
      proxyFor('https://kc.example.com/realms/BinarlyRealm/protocol/openid-connect/token'),
      'http://proxy.corp:3128'
    )
    assert.equal(proxyFor('https://kc.internal.example/token'), undefined)
    assert.equal(proxyFor('https://kc.direct.example/token'), undefined)
    assert.equal(proxyFor('https://127.0.0.1:8443/token'), undefined, 'loopback is never proxied')
    assert.equal(proxyFor('http://kc.example.com/token'), undefined, 'https_proxy is for https:// only')
  })
})

describe('splitPemBundle (ca-certificate)', () => {
  let a: TestCa
  let b: TestCa
  before(() => {
    a = makeCa('CA one')
    b = makeCa('CA two')
  })
  after(() => {
    a.remove()
    b.remove()
  })

  test('a bundle of several certificates, with text around them', () => {
    const certs = splitPemBundle(`# corporate roots\n${a.cert}\nsubject=CA two\n${b.cert}`)
    assert.deepEqual(certs, [a.cert.trim(), b.cert.trim()])
  })

  test('no certificate, or a damaged one, is an input error that says which', () => {
    assert.throws(
      () => splitPemBundle('-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----'),
      (error: unknown) => {
        assert.ok(error instanceof InputError)
        assert.equal(error.message, 'ca-certificate: holds no PEM certificate (-----BEGIN CERTIFICATE-----).')
        return true
      }
    )
    const damaged = b.cert.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA')
    assert.throws(
      () => splitPemBundle(`${a.cert}${damaged}`),
      /^InputError: ca-certificate: certificate 2 of 2 is not a valid X\.509 certificate/
    )
  })
})
