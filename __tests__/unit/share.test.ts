/** Sealing and unsealing a shared token: every way a sealed value can be unusable has its own reason. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { readConfig } from '../../src/config.ts'
import { deriveShareKey, seal, unseal, SHARE_FORMAT, type SealedToken, type UnsealFailure } from '../../src/share.ts'
import { shareSecret } from '../../src/sharing.ts'
import { formsOf } from '../support/leaks.ts'

const NOW = Date.parse('2025-06-01T12:00:00Z')
const binding = { repository: 'binarly-io/firmware-pipeline', runId: '4242' }
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
    const sealed = seal(token, key, { repository: 'a/b1', runId: '23' })
    assert.equal(reason(sealed, { binding: { repository: 'a/b', runId: '123' } }), 'unauthenticated')
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

  test('a sealed value with surrounding whitespace (a YAML block scalar) still opens', () => {
    assert.equal(reason(`  ${seal(token, key, binding)}\n`), 'ok')
  })

  test('another format version: version, and the warning says to align the action versions', () => {
    const [, ...rest] = seal(token, key, binding).split('.')
    const result = unseal(['v2', ...rest].join('.'), key, binding, NOW, 60)
    assert.ok(!result.ok)
    assert.equal(result.reason, 'version')
    assert.match(result.why, /format v2.*reads v1.*same version of the action/)
  })

  test('every reason is a clause the caller ends: no final punctuation (no "?." in the warning)', () => {
    const sealed = seal(token, key, binding)
    const [, ...rest] = sealed.split('.')
    const failures = [
      unseal(sealed.slice(0, -5), key, binding, NOW, 60),
      unseal(['v2', ...rest].join('.'), key, binding, NOW, 60),
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
      shareSecret(config({ ...base, 'client-secret': 's3cret', 'share-passphrase': 'pass phrase' })),
      'pass phrase'
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
})
