/** The first thing each step does with its config: every secret of the inputs and the proxy variables masked. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { readConfig } from '../../../src/common/config.ts'
import { maskConfiguredSecrets } from '../../../src/runner/masking.ts'

test('masks every form of the client secret and the share passphrase, and the proxy password', () => {
  const inputs: Record<string, string> = {
    'auth-url': 'https://auth.example/realms/r',
    'client-id': 'id',
    'client-secret': 'se cret+/=',
    'share-passphrase': 'a passphrase of many words'
  }
  const config = readConfig(name => inputs[name], { readFile: () => '' })
  const masked: string[] = []
  maskConfiguredSecrets(config, { HTTPS_PROXY: 'http://user:p%40ss@proxy.example:3128' }, value => masked.push(value))
  for (const form of [
    'se cret+/=',
    'se%20cret%2B%2F%3D',
    'se+cret%2B%2F%3D',
    'a passphrase of many words',
    'p%40ss',
    'p@ss'
  ]) {
    assert.ok(masked.includes(form), form)
  }
  // The user name is not secret: masking it would hide every occurrence of it in the log.
  assert.ok(!masked.includes('user'))
  // Nothing else is masked without a secret or a proxy.
  const bare: string[] = []
  maskConfiguredSecrets(
    readConfig(name => ({ ...inputs, 'share-passphrase': undefined })[name], { readFile: () => '' }),
    {},
    v => bare.push(v)
  )
  assert.deepEqual(bare.sort(), ['se cret+/=', 'se%20cret%2B%2F%3D', 'se+cret%2B%2F%3D'].sort())
})
