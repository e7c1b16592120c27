/** Sealing and unsealing a shared token: every way a sealed value can be unusable has its own reason. */
import assert from 'node:assert/strict'
import { createCipheriv, randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import { readConfig } from '../../../src/common/config.ts'
import {
  deriveShareKey,
  seal,
  sealWithout,
  unseal,
  SHARE_FORMAT,
  type SealedToken,
  type ShareBinding,
  type UnsealFailure
} from '../../../src/share/seal.ts'
import { shareSecret, shareToken } from '../../../src/share/matrix.ts'
import { fakeCore } from '../../support/fake-core.ts'
import { formsOf } from '../../support/leaks.ts'

const NOW = Date.parse('2025-06-01T12:00:00Z')
const binding: ShareBinding = {
  repository: 'binarly-io/firmware-pipeline',
  runId: '4242',
  clientId: 'ci-post',
  authUrl: 'https://kc.example.com/realms/BinarlyRealm/protocol/openid-connect/token',
  scope: 'scan:read',
  audience: undefined,
  resources: []
}
const key = deriveShareKey('post-secret-0123456789')
const token: SealedToken = {
  accessToken: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ',
  tokenType: 'Bearer',
  scope: 'scan:read scan:write',
  expiresAt: new Date(NOW + 1800_000)
}

function reason(
  sealed: string,
  options: { key?: Buffer; binding?: typeof binding; now?: number; min?: number } = {}
): UnsealFailure | 'ok' {
  const result = unseal(sealed, options.key ?? key, options.binding ?? binding, options.now ?? NOW, options.min ?? 60)
  return result.ok ? 'ok' : result.reason
}

/** Flips one bit of the byte at `index` of a base64url part. */
function flip(part: string, index: number): string {
  const bytes = Buffer.from(part, 'base64url')
  bytes[index] = (bytes[index] ?? 0) ^ 1
  return bytes.toString('base64url')
}

describe('seal / unseal', () => {
  test('round trip: the same token, type, scope and expiry', () => {
    const result = unseal(seal(token, key, binding), key, binding, NOW, 60)
    assert.deepEqual(result, { ok: true, token })
  })

  test('a token without scope comes back without scope', () => {
    const result = unseal(seal({ ...token, scope: undefined }, key, binding), key, binding, NOW, 60)
    assert.ok(result.ok)
    assert.equal(result.token.scope, undefined)
  })

  test('the sealed value is versioned, base64url, and holds no piece of the token in any encoding', () => {
    const sealed = seal(token, key, binding)
    assert.match(sealed, new RegExp(`^${SHARE_FORMAT}\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`))
    for (const form of [...formsOf(token.accessToken), Buffer.from(token.accessToken).toString('base64url')]) {
      for (let i = 0; i + 8 <= form.length; i++) {
        assert.ok(!sealed.includes(form.slice(i, i + 8)), `the sealed value contains "${form.slice(i, i + 8)}"`)
      }
    }
    assert.ok(!sealed.includes('Bearer') && !sealed.includes('scan:'))
  })

  test('every sealing uses a fresh IV', () => {
    assert.notEqual(seal(token, key, binding), seal(token, key, binding))
  })

  test('tampered ciphertext, IV or tag: unauthenticated', () => {
    const [version, iv, ciphertext, tag] = seal(token, key, binding).split('.') as [string, string, string, string]
    assert.equal(reason([version, iv, flip(ciphertext, 3), tag].join('.')), 'unauthenticated')
    assert.equal(reason([version, flip(iv, 0), ciphertext, tag].join('.')), 'unauthenticated')
    assert.equal(reason([version, iv, ciphertext, flip(tag, 15)].join('.')), 'unauthenticated')
  })

  test('another run, another repository, another passphrase: unauthenticated, and the warning says all three', () => {
    const sealed = seal(token, key, binding)
    assert.equal(reason(sealed, { binding: { ...binding, runId: '4243' } }), 'unauthenticated')
    assert.equal(reason(sealed, { binding: { ...binding, repository: 'binarly-io/other' } }), 'unauthenticated')
    assert.equal(reason(sealed, { key: deriveShareKey('another passphrase') }), 'unauthenticated')
    const result = unseal(sealed, deriveShareKey('another passphrase'), binding, NOW, 60)
    assert.ok(!result.ok)
    assert.match(result.why, /altered.*share-passphrase.*another run or repository.*cannot tell which/)
  })

  test('the binding is not ambiguous: repository and run ID cannot trade characters', () => {
    const sealed = seal(token, key, { ...binding, repository: 'a/b1', runId: '23' })
    assert.equal(reason(sealed, { binding: { ...binding, repository: 'a/b', runId: '123' } }), 'unauthenticated')
  })

  test('expired, and valid for less than min-validity', () => {
    const sealed = seal(token, key, binding)
    assert.equal(reason(sealed, { now: NOW + 1800_000 }), 'expired')
    assert.equal(reason(sealed, { now: NOW + 3600_000 }), 'expired')
    assert.equal(reason(sealed, { now: NOW + 1800_000 - 59_000 }), 'too-short')
    assert.equal(reason(sealed, { now: NOW + 1800_000 - 59_000, min: 30 }), 'ok')
    assert.equal(reason(sealed, { now: NOW + 1800_000 - 60_000 }), 'ok')
    const result = unseal(sealed, key, binding, NOW + 1800_000 - 30_000, 60)
    assert.ok(!result.ok)
    assert.match(result.why, /valid for 30 s more, less than min-validity \(60 s\)/)
  })

  test('the key: HKDF-SHA256, salt "binarly-m2m-auth shared-token v2", info "AES-256-GCM key" (every version of the action must derive the same)', () => {
    assert.equal(key.toString('hex'), 'da562c917761a876c9b6b8870c92fc8eb3876eab1980ce244ef7a93aeeb9780c')
  })

  test('each malformed value says what is wrong with it', () => {
    const [, iv = '', ciphertext = '', tag = ''] = seal(token, key, binding).split('.')
    const why = (value: string): string => {
      const result = unseal(value, key, binding, NOW, 60)
      assert.ok(!result.ok, value)
      return result.why
    }
    for (const version of ['x', 'v2x', 'xv3', 'V2']) {
      assert.match(why([version, iv, ciphertext, tag].join('.')), /it does not start with "v2\."/, version)
    }
    assert.match(why(['v10', iv, ciphertext, tag].join('.')), /it was sealed in format v10, and this version/)
    for (const parts of [
      ['v2', `!${iv}`, ciphertext, tag],
      ['v2', iv, ciphertext, `${tag}!`],
      ['v2', iv, ciphertext]
    ]) {
      assert.match(why(parts.join('.')), /it does not have the four base64url parts/, parts.join('.'))
    }
    for (const parts of [
      ['v2', iv.slice(0, -4), ciphertext, tag],
      ['v2', iv, ciphertext, tag.slice(0, -4)],
      // One base64url character decodes to no byte at all.
      ['v2', iv, 'A', tag]
    ]) {
      assert.match(why(parts.join('.')), /a part has the wrong length/, parts.join('.'))
    }
    const expired = seal({ ...token, expiresAt: new Date(NOW - 1000) }, key, binding)
    assert.match(why(expired), /^the token expired at 2025-06-01T11:59:59\.000Z: the matrix ran longer/)
  })

  test('truncated anywhere: malformed, not merely unauthenticated', () => {
    const sealed = seal(token, key, binding)
    for (const cut of [1, 5, 22, 23, 40, sealed.length - 3]) {
      assert.equal(reason(sealed.slice(0, sealed.length - cut)), 'malformed', `cut ${cut}`)
    }
    assert.equal(reason(''), 'malformed')
  })

  test('malformed: not base64url, extra parts, empty ciphertext, not a sealed token at all', () => {
    const [version, iv, ciphertext, tag] = seal(token, key, binding).split('.') as [string, string, string, string]
    assert.equal(reason([version, iv, `${ciphertext}!`, tag].join('.')), 'malformed')
    assert.equal(reason([version, iv, ciphertext, tag, tag].join('.')), 'malformed')
    assert.equal(reason([version, iv, '', tag].join('.')), 'malformed')
    assert.equal(reason('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2ln'), 'malformed')
  })

  test('an authentic sealed value whose content is not a sealed token: malformed, and the warning says so', () => {
    // Sealed as the format says (see share/seal.ts), with the right key and binding, so only the content is wrong.
    const sealRaw = (plaintext: string): string => {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 })
      cipher.setAAD(Buffer.from(JSON.stringify([SHARE_FORMAT, binding.repository, binding.runId]), 'utf8'))
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      return [SHARE_FORMAT, ...[iv, ciphertext, cipher.getAuthTag()].map(b => b.toString('base64url'))].join('.')
    }
    const expiry = token.expiresAt.getTime()
    // The inputs the token was obtained for, as seal() writes them.
    const b = {
      clientId: binding.clientId,
      authUrl: binding.authUrl,
      scope: binding.scope ?? null,
      audience: binding.audience ?? null,
      resources: binding.resources
    }
    assert.equal(reason(sealRaw(JSON.stringify({ t: 'tok', y: 'Bearer', s: null, e: expiry, b }))), 'ok', 'the helper')
    const contents = [
      'not json at all',
      '{"t":"tok",',
      'null',
      '"a string"',
      '42',
      JSON.stringify({ y: 'Bearer', s: null, e: expiry, b }),
      JSON.stringify({ t: '', y: 'Bearer', s: null, e: expiry, b }),
      JSON.stringify({ t: 'tok', y: 7, s: null, e: expiry, b }),
      JSON.stringify({ t: 'tok', y: '', s: null, e: expiry, b }),
      JSON.stringify({ t: 'tok', y: 'Bearer', s: ['scan:read'], e: expiry, b }),
      JSON.stringify({ t: 'tok', y: 'Bearer', s: null, e: String(expiry), b }),
      JSON.stringify({ t: 'tok', y: 'Bearer', s: null, b }),
      // A v1-style payload (no binding), and a binding that is not an object.
      JSON.stringify({ t: 'tok', y: 'Bearer', s: null, e: expiry }),
      JSON.stringify({ t: 'tok', y: 'Bearer', s: null, e: expiry, b: null }),
      JSON.stringify({ t: 'tok', y: 'Bearer', s: null, e: expiry, b: 'ci' })
    ]
    for (const content of contents) {
      const result = unseal(sealRaw(content), key, binding, NOW, 60)
      assert.ok(!result.ok, content)
      assert.equal(result.reason, 'malformed', content)
      assert.equal(
        result.why,
        "it is not a sealed token (its content is not a sealed token): pass the shared-token output of this run's sharing job, copied whole",
        content
      )
    }
  })

  test('a sealed value with surrounding whitespace (a YAML block scalar) still opens', () => {
    assert.equal(reason(`  ${seal(token, key, binding)}\n`), 'ok')
  })

  test('another format version (v1, before the token binding; a later v3): version, saying to align the action versions', () => {
    const [, ...rest] = seal(token, key, binding).split('.')
    for (const version of ['v1', 'v3']) {
      const result = unseal([version, ...rest].join('.'), key, binding, NOW, 60)
      assert.ok(!result.ok)
      assert.equal(result.reason, 'version')
      assert.match(result.why, new RegExp(`format ${version}.*reads v2.*same version of the action`))
    }
  })

  test('a token obtained with other inputs: mismatch, naming each input that differs', () => {
    const sealed = seal(token, key, binding)
    const cases: [Partial<ShareBinding>, string][] = [
      [{ clientId: 'ci-other' }, 'client-id differs'],
      [{ authUrl: 'https://kc.example.com/realms/Other/protocol/openid-connect/token' }, 'auth-url differs'],
      [{ scope: 'scan:write' }, 'scope differs'],
      [{ scope: undefined }, 'scope differs'],
      [{ audience: 'https://api.binarly.io' }, 'audience differs'],
      [{ resources: ['https://api.binarly.io/'] }, 'resource differs'],
      [{ clientId: 'x', audience: 'y' }, 'client-id, audience differ']
    ]
    for (const [change, named] of cases) {
      const result = unseal(sealed, key, { ...binding, ...change }, NOW, 60)
      assert.ok(!result.ok)
      assert.equal(result.reason, 'mismatch')
      assert.ok(
        result.why.startsWith(`it holds a token obtained with other inputs: ${named} from this job's`),
        result.why
      )
    }
    // Checked before the lifetime: a token for another client is refused even when expired.
    assert.equal(reason(sealed, { binding: { ...binding, clientId: 'x' }, now: NOW + 3600_000 }), 'mismatch')
  })

  test('sealWithout: re-seals until no forbidden value is in it, gives up after the tries', () => {
    const outputs = ['v2.aXb', 'v2.aYb', 'v2.clean']
    let calls = 0
    assert.equal(
      sealWithout(() => outputs[calls++] ?? '', ['X', 'Y', '']),
      'v2.clean'
    )
    assert.equal(calls, 3)
    calls = 0
    assert.equal(
      sealWithout(() => (calls++, 'v2.always-X'), ['X'], 5),
      undefined
    )
    assert.equal(calls, 5)
    // Real sealings: a two-character value is avoided by re-sealing.
    for (let i = 0; i < 20; i++) {
      const sealed = sealWithout(() => seal(token, key, binding), ['ab', 'Zq'])
      assert.ok(sealed && !sealed.includes('ab') && !sealed.includes('Zq'))
    }
  })

  test('every reason is a clause the caller ends: no final punctuation (no "?." in the warning)', () => {
    const sealed = seal(token, key, binding)
    const [, ...rest] = sealed.split('.')
    const failures = [
      unseal(sealed.slice(0, -5), key, binding, NOW, 60),
      unseal(['v9', ...rest].join('.'), key, binding, NOW, 60),
      unseal(sealed, deriveShareKey('other'), binding, NOW, 60),
      unseal(sealed, key, binding, NOW + 3600_000, 60),
      unseal(sealed, key, binding, NOW + 1770_000, 60)
    ]
    for (const result of failures) {
      assert.ok(!result.ok)
      assert.doesNotMatch(result.why, /[.?!;:,]$/, result.why)
    }
  })

  test('the key depends on the secret only, and is 256 bits', () => {
    assert.equal(key.length, 32)
    assert.deepEqual(deriveShareKey('post-secret-0123456789'), key)
    assert.notDeepEqual(deriveShareKey('post-secret-012345678'), key)
  })
})

describe('the sealing secret of a job (shareSecret)', () => {
  const config = (inputs: Record<string, string>) =>
    readConfig(name => inputs[name], { readFile: () => assert.fail('no file expected') })
  const base = {
    'auth-url': 'https://kc.example.com/realms/BinarlyRealm/protocol/openid-connect/token',
    'client-id': 'ci'
  }

  test('share-passphrase wins over the client secret', () => {
    assert.equal(
      shareSecret(config({ ...base, 'client-secret': 's3cret', 'share-passphrase': 'pass phrase 0123456789' })),
      'pass phrase 0123456789'
    )
    assert.equal(shareSecret(config({ ...base, 'client-secret': 's3cret' })), 's3cret')
  })

  test('the same private key gives the same secret with CRLF or LF line ends', () => {
    const pem =
      '-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n-----END PRIVATE KEY-----\n'
    const lf = config({ ...base, 'auth-method': 'private_key_jwt', 'private-key': pem })
    const crlf = config({ ...base, 'auth-method': 'private_key_jwt', 'private-key': pem.replace(/\n/g, '\r\n') })
    assert.equal(shareSecret(lf), shareSecret(crlf))
  })
  test('github_oidc holds no secret to seal with: without share-passphrase it is an input error', () => {
    // readConfig already refuses share: true without share-passphrase for github_oidc; shareSecret stays total.
    const oidc = config({ ...base, 'auth-method': 'github_oidc' })
    assert.throws(
      () => shareSecret(oidc),
      /^InputError: share-passphrase: is required to share a token with auth-method github_oidc\.$/
    )
    const passphrase = 'pp-0123456789abcdef'
    assert.equal(
      shareSecret(config({ ...base, 'auth-method': 'github_oidc', 'share-passphrase': passphrase })),
      passphrase
    )
  })
})

describe('shareToken', () => {
  const config = readConfig(
    name =>
      ({
        'auth-url': 'https://kc.example.com/realms/BinarlyRealm/protocol/openid-connect/token',
        'client-id': 'ci',
        'client-secret': 's3cret-0123456789',
        share: 'true'
      })[name],
    { readFile: () => assert.fail('no file expected') }
  )
  const issued = { ...token, expiresIn: 1800 }
  const env = { GITHUB_REPOSITORY: binding.repository, GITHUB_RUN_ID: binding.runId }

  test('the output holds neither the client ID nor a masked value', () => {
    for (let i = 0; i < 10; i++) {
      const { core, recorded } = fakeCore()
      assert.equal(shareToken(config, issued, { core, env }, ['Ab', 'z9']), true)
      const sealed = recorded.outputs['shared-token'] ?? ''
      for (const value of ['ci', 'Ab', 'z9']) assert.ok(!sealed.includes(value))
    }
  })

  test('a masked value in every sealing (here "v", as in "v2."): not shared, with a warning saying why', () => {
    const { core, recorded } = fakeCore()
    assert.equal(shareToken(config, issued, { core, env }, ['v', '']), false)
    assert.deepEqual(recorded.outputs, {})
    const warning = recorded.calls.find(([kind]) => kind === 'warning')?.[1] ?? ''
    assert.match(
      warning,
      /^share: the token is not shared: every sealing contained the client ID or a value this step masked \(the shortest is 1 character long\)/
    )
    // Every sealing starts with "v2.": a two-character masked value is named in the plural.
    const two = fakeCore()
    assert.equal(shareToken(config, issued, { core: two.core, env }, ['v2']), false)
    assert.match(
      two.recorded.calls.find(([kind]) => kind === 'warning')?.[1] ?? '',
      /the shortest is 2 characters long/
    )
  })
})
