/** api-url left empty: derived only from a Binarly SaaS Auth URL, into dashboard-<slug>.binarly.cloud. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { deriveApiUrl } from '../../../src/scan/api-url.ts'

test('https://auth-<slug>.binarly.cloud/… gives https://dashboard-<slug>.binarly.cloud', () => {
  const token = 'https://auth-acme-eu.binarly.cloud/realms/BinarlyRealm/protocol/openid-connect/token'
  assert.equal(deriveApiUrl(token).url.href, 'https://dashboard-acme-eu.binarly.cloud/')
  assert.equal(
    deriveApiUrl('https://auth-acme.binarly.cloud:443/realms/BinarlyRealm').url.href,
    'https://dashboard-acme.binarly.cloud/'
  )
})

test('anything else is not derived: the error says to set api-url', () => {
  for (const url of [
    undefined,
    'http://auth-acme.binarly.cloud/realms/BinarlyRealm',
    'https://auth.acme.binarly.cloud/realms/BinarlyRealm',
    'https://auth-acme.binarly.cloud.attacker.example/realms/BinarlyRealm',
    'https://auth-acme.binarly.cloud:8443/realms/BinarlyRealm',
    'https://auth-.binarly.cloud/',
    'https://auth-a_b.binarly.cloud/',
    'https://keycloak.corp.example/realms/BinarlyRealm'
  ]) {
    assert.throws(
      () => deriveApiUrl(url),
      /^InputError: api-url: is empty, and it can be derived only from a Binarly SaaS Auth URL/,
      String(url)
    )
  }
})
