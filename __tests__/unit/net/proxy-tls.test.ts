/** Proxy credentials to mask, the proxy named in the log, and the ca-certificate bundle check. */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { InputError } from '../../../src/common/errors.ts'
import { proxyFor } from '../../../src/net/proxy.ts'
import { proxySecrets } from '../../../src/net/proxy-secrets.ts'
import tls from 'node:tls'
import { splitPemBundle, trustExtraCAs, type CaStore } from '../../../src/net/tls.ts'
import { toTransportError, TransportError } from '../../../src/net/transport.ts'
import { makeCa, type TestCa } from '../../support/tls-server.ts'

describe('proxySecrets', () => {
  test('the password of every proxy variable, as written and decoded; never the user name', () => {
    const secrets = proxySecrets({
      HTTPS_PROXY: 'http://ci-user:p%40ss%20word@proxy.corp:3128',
      http_proxy: 'other:s3cret@proxy.corp:8080',
      NO_PROXY: 'user:not-a-proxy@x'
    })
    assert.deepEqual(new Set(secrets), new Set(['p%40ss%20word', 'p@ss word', 's3cret']))
  })

  test('a password with a stray % (not percent-encoding) is masked as written', () => {
    assert.deepEqual(
      new Set(proxySecrets({ HTTPS_PROXY: 'http://ci:100%25%zz@proxy.corp:3128' })),
      new Set(['100%25%zz'])
    )
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
  test('on a Node without setDefaultCACertificates (before 24), ca-certificate fails with the runtime to use', () => {
    const older: CaStore = { getCACertificates: tls.getCACertificates }
    assert.throws(
      () => trustExtraCAs(a.cert, older, 'v22.11.0'),
      (error: unknown) => {
        assert.ok(error instanceof InputError)
        assert.equal(
          error.message,
          'ca-certificate: needs Node.js 24 or newer (this is v22.11.0): run the action with runs.using node24.'
        )
        return true
      }
    )
  })

  test('on Node 24, the CAs are added to the default list, which keeps what it had', () => {
    let installed: string[] = []
    const store: CaStore = {
      getCACertificates: () => ['default root'],
      setDefaultCACertificates: certs => {
        installed = certs.map(String)
      }
    }
    assert.equal(trustExtraCAs(`${a.cert}${b.cert}`, store), 2)
    assert.deepEqual(installed, ['default root', a.cert.trim(), b.cert.trim()])
  })
})

describe('toTransportError', () => {
  test("http-client's socket timeout (a plain Error) is a timeout", () => {
    const error = toTransportError(new Error('Request timeout: /realms/BinarlyRealm/protocol/openid-connect/token'))
    assert.equal(error.code, 'ETIMEDOUT')
    assert.equal(error.message, 'the server stopped answering (socket timeout)')
  })

  test('a failure without a string code keeps its text, with the code EUNKNOWN', () => {
    const numeric = toTransportError(Object.assign(new Error('odd failure'), { code: 42 }))
    assert.deepEqual([numeric.code, numeric.message], ['EUNKNOWN', 'odd failure'])
    const coded = toTransportError(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })
    )
    assert.deepEqual([coded.code, coded.message], ['ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'])
    const transport = new TransportError('as is', 'EBODYTOOLARGE')
    assert.equal(toTransportError(transport), transport)
  })
})
