import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { readConfig, isLoopbackHost, type InputReader } from '../../../src/common/config.ts'
import { formEncode, secretsOf } from '../../../src/oauth/secret-forms.ts'
import { InputError } from '../../../src/common/errors.ts'

const TOKEN_URL = 'https://auth-acme.binarly.cloud/realms/BinarlyRealm/protocol/openid-connect/token'
const base = { 'auth-url': TOKEN_URL, 'client-id': 'ci', 'client-secret': 's3cret' }

function reader(inputs: Record<string, string | undefined>): InputReader {
  return name => inputs[name]
}
const noFiles = {
  readFile: (path: string): string => {
    throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' })
  }
}
function config(inputs: Record<string, string | undefined>, io = noFiles) {
  return readConfig(reader({ ...base, ...inputs }), io)
}
function fails(inputs: Record<string, string | undefined>, input: string, message: RegExp, io = noFiles): void {
  assert.throws(
    () => config(inputs, io),
    (error: unknown) => {
      assert.ok(error instanceof InputError, String(error))
      assert.equal(error.input, input)
      assert.match(error.message, message)
      return true
    }
  )
}

describe('readConfig', () => {
  test('defaults match the interface of the action', () => {
    const c = config({})
    assert.equal(c.authUrl.href, TOKEN_URL)
    assert.deepEqual(c.clientAuth, { method: 'client_secret_post', clientSecret: 's3cret' })
    assert.equal(c.envVar, 'BINARLY_ACCESS_TOKEN')
    assert.equal(c.timeoutMs, 30_000)
    assert.equal(c.retries, 3)
    assert.equal(c.allowHttp, false)
    assert.equal(c.share, false)
    assert.equal(c.revoke, true)
    assert.equal(c.minValiditySeconds, 60)
    assert.equal(c.scope, undefined)
    assert.deepEqual(c.resources, [])
    assert.deepEqual(c.warnings, [])
  })

  test('an empty env-var exports none; an absent one takes the default', () => {
    assert.equal(config({ 'env-var': '' }).envVar, undefined)
    assert.equal(config({ 'env-var': 'MY_TOKEN' }).envVar, 'MY_TOKEN')
  })

  test('missing required inputs name the input and the fix', () => {
    fails({ 'auth-url': '' }, 'auth-url', /is empty: set it to your Binarly Auth URL/)
    // A value set from a secret or a variable of a wrong name arrives empty: both are named.
    const either = /\$\{\{ secrets\.NAME \}\} or \$\{\{ vars\.NAME \}\}.*fork pull requests get no secrets\.$/
    fails({ 'client-id': '' }, 'client-id', either)
    fails({ 'auth-url': '' }, 'auth-url', either)
    fails({ 'client-secret': '' }, 'client-secret', either)
    fails({ 'client-secret': '   ' }, 'client-secret', /is empty/)
  })

  test('auth-url must be an http(s) URL without credentials or fragment', () => {
    fails({ 'auth-url': 'not a url' }, 'auth-url', /is not a URL/)
    fails({ 'auth-url': 'ftp://x/token' }, 'auth-url', /uses ftp:/)
    fails({ 'auth-url': 'https://u:p@kc.example.com/token' }, 'auth-url', /user name or password/)
    fails({ 'auth-url': 'https://kc.example.com/token#x' }, 'auth-url', /fragment/)
  })

  test('http:// is refused off loopback unless allow-http, which then warns', () => {
    fails({ 'auth-url': 'http://kc.example.com/token' }, 'auth-url', /clear text.*allow-http: true/)
    const c = config({ 'auth-url': 'http://kc.example.com/token', 'allow-http': 'true' })
    assert.match(c.warnings[0] ?? '', /clear text to http:\/\/kc\.example\.com/)
    assert.deepEqual(config({ 'auth-url': 'http://127.0.0.1:8080/token' }).warnings, [])
    assert.deepEqual(config({ 'auth-url': 'http://localhost:8080/token' }).warnings, [])
    assert.deepEqual(config({ 'auth-url': 'http://[::1]:8080/token' }).warnings, [])
  })

  test('booleans and numbers are checked with the input name', () => {
    fails({ 'allow-http': 'maybe' }, 'allow-http', /not a boolean/)
    // Every number error says the unit and the range.
    fails({ timeout: 'abc' }, 'timeout', /^timeout: "abc" is not a number: use a number of seconds from 1 to 3600\.$/)
    fails({ timeout: '0' }, 'timeout', /^timeout: 0 is out of range: use a number of seconds from 1 to 3600\.$/)
    fails(
      { retries: '1.5' },
      'retries',
      /^retries: "1\.5" is not a whole number: use a whole number of retries from 0 to 10\.$/
    )
    fails({ retries: '11' }, 'retries', /out of range: use a whole number of retries from 0 to 10\./)
    fails({ 'min-validity': '-1' }, 'min-validity', /out of range: use a whole number of seconds from 0 to 86400\./)
    assert.equal(config({ timeout: '2.5' }).timeoutMs, 2500)
    assert.equal(config({ share: 'TRUE', revoke: 'False' }).share, true)
  })

  test('booleans: what core.getBooleanInput takes, and the yes/on/1 and no/off/0 v1.0.0 shipped with, any case', () => {
    for (const word of ['true', 'True', 'TRUE', 'tRUE', 'yes', 'On', '1'])
      assert.equal(config({ share: word }).share, true)
    for (const word of ['false', 'False', 'FALSE', 'no', 'OFF', '0'])
      assert.equal(config({ revoke: word }).revoke, false)
    for (const word of ['y', 'n', 'enabled', '2', 'true!', '']) {
      fails(
        { revoke: word },
        'revoke',
        /^revoke: ".*" is not a boolean: use true or false \(yes\/no, on\/off and 1\/0 work too\)\.$/
      )
    }
  })

  test('auth-method is one of the five, and each checks what it needs', () => {
    fails({ 'auth-method': 'password' }, 'auth-method', /not supported: use one of client_secret_post/)
    assert.equal(config({ 'auth-method': 'client_secret_basic' }).clientAuth.method, 'client_secret_basic')
    fails({ 'auth-method': 'private_key_jwt', 'client-secret': '' }, 'private-key', /is empty/)
    fails(
      { 'auth-method': 'client_secret_jwt', 'signing-algorithm': 'RS256' },
      'signing-algorithm',
      /HS256, HS384, HS512/
    )
    const jwt = config({ 'auth-method': 'client_secret_jwt', 'signing-algorithm': 'hs384' }).clientAuth
    assert.deepEqual(jwt, { method: 'client_secret_jwt', clientSecret: 's3cret', algorithm: 'HS384' })
    const oidc = config({ 'auth-method': 'github_oidc', 'client-secret': '' })
    assert.deepEqual(oidc.clientAuth, { method: 'github_oidc', oidcAudience: undefined })
    assert.match(config({ 'auth-method': 'github_oidc' }).warnings[0] ?? '', /client-secret is ignored/)
  })

  test('private-key is PEM text or a readable path, never echoed', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIabc\n-----END PRIVATE KEY-----\n'
    const c = config({ 'auth-method': 'private_key_jwt', 'private-key': pem, 'client-secret': '' })
    assert.equal(c.clientAuth.method === 'private_key_jwt' && c.clientAuth.algorithm, 'RS256')
    const fromFile = config(
      { 'auth-method': 'private_key_jwt', 'private-key': '/keys/ci.pem', 'client-secret': '' },
      { readFile: () => pem }
    )
    assert.equal(fromFile.clientAuth.method === 'private_key_jwt' && fromFile.clientAuth.privateKey, pem)
    fails(
      { 'auth-method': 'private_key_jwt', 'private-key': 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', 'client-secret': '' },
      'private-key',
      /taken as a file path, and no such file could be read \(ENOENT\)/
    )
    assert.throws(
      () =>
        config({
          'auth-method': 'private_key_jwt',
          'private-key': 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
          'client-secret': ''
        }),
      (e: Error) => !e.message.includes('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC')
    )
    fails(
      { 'auth-method': 'private_key_jwt', 'private-key': '/x.pem', 'client-secret': '' },
      'private-key',
      /holds no PEM block/,
      { readFile: () => 'hello' }
    )
  })

  test('ca-certificate must hold a certificate', () => {
    fails(
      { 'ca-certificate': '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----' },
      'ca-certificate',
      /holds no certificate/
    )
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'
    assert.equal(config({ 'ca-certificate': pem }).caCertificate, pem)
  })

  test('scope, resource and env-var are validated', () => {
    assert.equal(config({ scope: ' scan:read \n  scan:write ' }).scope, 'scan:read scan:write')
    fails({ scope: 'bad"scope' }, 'scope', /not a valid scope/)
    assert.deepEqual(config({ resource: 'https://api.binarly.io\n\nurn:binarly:api' }).resources, [
      'https://api.binarly.io',
      'urn:binarly:api'
    ])
    fails({ resource: 'not a uri' }, 'resource', /absolute URI/)
    fails({ resource: 'https://api/#frag' }, 'resource', /absolute URI/)
    fails({ 'env-var': '1TOKEN' }, 'env-var', /not an environment variable name/)
    fails({ 'env-var': 'GITHUB_TOKEN' }, 'env-var', /reserved/)
    fails({ 'env-var': 'PATH' }, 'env-var', /reserved/)
  })

  test('client-id must be one line', () => {
    fails({ 'client-id': 'a\u0007b' }, 'client-id', /control characters/)
  })

  test('token-command: false by default; ignored, with a warning, by a step that only revokes a shared token', () => {
    assert.equal(config({}).tokenCommand, false)
    assert.equal(config({ 'token-command': 'true' }).tokenCommand, true)
    const revoking = config({ 'token-command': 'true', 'revoke-shared-token': 'v2.sealed' })
    assert.equal(revoking.tokenCommand, false)
    assert.deepEqual(revoking.warnings, ['token-command is ignored with revoke-shared-token: this step only revokes.'])
    fails({ 'token-command': 'maybe' }, 'token-command', /"maybe" is not a boolean/)
  })

  test('github_oidc sharing needs a passphrase', () => {
    fails({ 'auth-method': 'github_oidc', share: 'true' }, 'share-passphrase', /is required/)
    assert.equal(
      config({ 'auth-method': 'github_oidc', share: 'true', 'share-passphrase': 'pp-0123456789abcdef' })
        .sharePassphrase,
      'pp-0123456789abcdef'
    )
  })

  test('share-passphrase has at least 16 characters (code points)', () => {
    fails({ 'share-passphrase': 'fifteen-chars!!' }, 'share-passphrase', /is 15 characters long: use at least 16/)
    fails({ 'share-passphrase': 'x' }, 'share-passphrase', /is 1 character long/)
    fails({ 'share-passphrase': '\u{1f511}'.repeat(15) }, 'share-passphrase', /is 15 characters long/)
    assert.equal(config({ 'share-passphrase': 'sixteen-chars!!!' }).sharePassphrase, 'sixteen-chars!!!')
  })
})

describe('secretsOf', () => {
  test('every printable form of the secret, and each line of a key', () => {
    const c = config({ 'client-secret': 'a b+c%d' })
    assert.deepEqual(new Set(secretsOf(c)), new Set(['a b+c%d', encodeURIComponent('a b+c%d'), formEncode('a b+c%d')]))
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\nAQEFAASC\n-----END PRIVATE KEY-----'
    const k = config({
      'auth-method': 'private_key_jwt',
      'private-key': pem,
      'share-passphrase': 'pass phrase 0123456789'
    })
    const secrets = secretsOf(k)
    assert.ok(secrets.includes(pem))
    assert.ok(secrets.includes('MIIEvQIBADANBgkqhkiG9w0B'))
    assert.ok(secrets.includes('AQEFAASC'))
    assert.ok(secrets.includes('pass phrase 0123456789'))
    assert.ok(!secrets.some(s => s.startsWith('-----BEGIN') && s.length < 40))
  })
})

test('isLoopbackHost', () => {
  for (const host of ['localhost', '127.0.0.1', '127.9.9.9', '[::1]', '::1']) assert.ok(isLoopbackHost(host), host)
  for (const host of ['example.com', '128.0.0.1', '10.0.0.1', 'localhost.example.com', 'api.localhost', 'localhost.'])
    assert.ok(!isLoopbackHost(host), host)
})

test('a host that only contains "localhost" is not loopback', () => {
  for (const host of ['evillocalhost', 'localhost.evil.com', 'evil-localhost', 'localhostx', 'notlocalhost.com'])
    assert.ok(!isLoopbackHost(host), host)
})

describe('readConfig: the less travelled paths', () => {
  test('an empty auth-method (a workflow passing an unset variable) means the default, client_secret_post', () => {
    assert.equal(config({ 'auth-method': '' }).clientAuth.method, 'client_secret_post')
  })

  test('ca-certificate or private-key text with line breaks but no PEM armour is neither PEM nor a path', () => {
    fails(
      { 'ca-certificate': 'MIIB\nAAAA' },
      'ca-certificate',
      /^ca-certificate: is neither PEM text \(-----BEGIN CERTIFICATE-----\) nor a file path\.$/
    )
  })

  test('a file that cannot be read for a reason without an error code still says it could not be read', () => {
    const odd = {
      readFile: (): string => {
        throw new Error('read failed')
      }
    }
    fails({ 'ca-certificate': '/etc/ssl/corp.pem' }, 'ca-certificate', /no such file could be read \(unreadable\)/, odd)
  })
})

describe('readConfig: inputs the log quotes hold no command', () => {
  test('##[ in client-id, scope, audience or oidc-audience is refused, naming the input', () => {
    const refused = /contains "##\[", which the runner reads as a workflow command/
    fails({ 'client-id': 'ci ##[warning]x' }, 'client-id', refused)
    fails({ scope: 'scan ##[error]x' }, 'scope', refused)
    fails({ audience: 'api##[group]x' }, 'audience', refused)
    const oidc = { 'auth-method': 'github_oidc', 'client-secret': '' }
    fails({ ...oidc, 'oidc-audience': 'a ##[debug]x' }, 'oidc-audience', refused)
    assert.equal(config({ ...oidc, 'oidc-audience': 'a#[b ## [c' }).clientAuth.method, 'github_oidc')
  })

  test('every control character is refused in client-id, audience and oidc-audience: C0, DEL, C1, U+2028 and U+2029', () => {
    // Each one, not a random sample: a check that lets one through fails here on every run.
    const controls = [0x00, 0x0a, 0x1f, 0x7f, 0x80, 0x85, 0x9b, 0x9f, 0x2028, 0x2029]
    for (let code = 0; code <= 0x9f; code++) if (code < 0x20 || code >= 0x7f) controls.push(code)
    for (const code of controls) {
      const value = `api${String.fromCharCode(code)}x`
      fails({ audience: value }, 'audience', /contains control characters/)
      fails({ 'auth-method': 'github_oidc', 'client-secret': '', 'oidc-audience': value }, 'oidc-audience', /control/)
      fails({ 'client-id': `ci${String.fromCharCode(code)}x` }, 'client-id', /contains control characters/)
    }
    // The first printable characters on either side pass.
    for (const code of [0x20, 0x7e, 0xa0])
      assert.equal(config({ audience: `a${String.fromCharCode(code)}b` }).audience, `a${String.fromCharCode(code)}b`)
  })

  test('a line break in audience or oidc-audience is refused', () => {
    fails({ audience: 'api\n::error::x' }, 'audience', /contains control characters \(a line break\?\)/)
    fails(
      { 'auth-method': 'github_oidc', 'client-secret': '', 'oidc-audience': 'a\u2028b' },
      'oidc-audience',
      /control/
    )
  })
})
