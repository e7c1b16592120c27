import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { discoveryUrl, endpointsFromUrl, isTokenEndpoint, parseDiscovery } from '../../../src/oauth/endpoints.ts'
import { InputError } from '../../../src/common/errors.ts'

const KC = 'https://kc.example.com/realms/BinarlyRealm'

describe('endpoints from the Auth URL', () => {
  test('a Keycloak token endpoint gives its issuer and revocation endpoint without a request', () => {
    assert.deepEqual(endpointsFromUrl(new URL(`${KC}/protocol/openid-connect/token`)), {
      tokenEndpoint: `${KC}/protocol/openid-connect/token`,
      revocationEndpoint: `${KC}/protocol/openid-connect/revoke`,
      issuer: KC,
      discoveredFrom: undefined
    })
  })

  test('another token endpoint is used as is, with nothing derived', () => {
    assert.deepEqual(endpointsFromUrl(new URL('https://idp.example.com/oauth2/v1/token')), {
      tokenEndpoint: 'https://idp.example.com/oauth2/v1/token',
      revocationEndpoint: undefined,
      issuer: undefined,
      discoveredFrom: undefined
    })
  })

  test('a realm or issuer URL needs discovery', () => {
    assert.equal(endpointsFromUrl(new URL(KC)), undefined)
    assert.equal(isTokenEndpoint(new URL(`${KC}/`)), false)
    assert.equal(discoveryUrl(new URL(KC)), `${KC}/.well-known/openid-configuration`)
    assert.equal(discoveryUrl(new URL(`${KC}/`)), `${KC}/.well-known/openid-configuration`)
    assert.equal(
      discoveryUrl(new URL(`${KC}/.well-known/openid-configuration`)),
      `${KC}/.well-known/openid-configuration`
    )
  })
})

describe('parseDiscovery', () => {
  const doc = (fields: Record<string, unknown>): string => JSON.stringify({ issuer: KC, ...fields })
  test('takes token, revocation endpoint and issuer', () => {
    const endpoints = parseDiscovery(
      doc({
        token_endpoint: `${KC}/protocol/openid-connect/token`,
        revocation_endpoint: `${KC}/protocol/openid-connect/revoke`
      }),
      new URL(KC),
      `${KC}/.well-known/openid-configuration`
    )
    assert.equal(endpoints.tokenEndpoint, `${KC}/protocol/openid-connect/token`)
    assert.equal(endpoints.revocationEndpoint, `${KC}/protocol/openid-connect/revoke`)
    assert.equal(endpoints.issuer, KC)
    assert.equal(endpoints.discoveredFrom, `${KC}/.well-known/openid-configuration`)
  })

  test('refuses what is not a configuration, or names no usable token endpoint', () => {
    for (const body of [
      '<html>',
      '[]',
      'null',
      doc({}),
      doc({ token_endpoint: 'ftp://x' }),
      doc({ token_endpoint: 42 })
    ]) {
      assert.throws(() => parseDiscovery(body, new URL(KC), 'u'), InputError, body)
    }
  })

  test('a token_endpoint that is not a URL at all is refused the same way', () => {
    assert.throws(
      () => parseDiscovery(doc({ token_endpoint: 'not a url' }), new URL(KC), 'u'),
      /^InputError: auth-url: the OpenID configuration at u names no valid token_endpoint/
    )
  })

  test('an unusable revocation_endpoint is left unknown, not an error; a missing or empty issuer is refused', () => {
    for (const revocation of ['not a url', 'ftp://kc.example.com/revoke', 7]) {
      const endpoints = parseDiscovery(
        JSON.stringify({
          issuer: KC,
          token_endpoint: `${KC}/protocol/openid-connect/token`,
          revocation_endpoint: revocation
        }),
        new URL(KC),
        'u'
      )
      assert.equal(endpoints.revocationEndpoint, undefined, String(revocation))
      assert.equal(endpoints.issuer, KC)
    }
    for (const issuer of [undefined, '']) {
      assert.throws(
        () =>
          parseDiscovery(
            JSON.stringify({ issuer, token_endpoint: `${KC}/protocol/openid-connect/token` }),
            new URL(KC),
            'u'
          ),
        /states (no issuer|issuer ""), not the URL discovery started from/
      )
    }
  })

  test('a discovered http:// endpoint is on the origin of auth-url, which the http:// policy passed already', () => {
    const http = 'http://kc.example.com/realms/BinarlyRealm'
    const body = JSON.stringify({ issuer: http, token_endpoint: 'http://kc.example.com/token' })
    assert.equal(parseDiscovery(body, new URL(http), 'u').tokenEndpoint, 'http://kc.example.com/token')
    assert.throws(
      () =>
        parseDiscovery(JSON.stringify({ issuer: KC, token_endpoint: 'http://kc.example.com/token' }), new URL(KC), 'u'),
      /names the token_endpoint http:\/\/kc\.example\.com\/token, which is not on the origin of auth-url/
    )
  })

  test('the issuer must be the URL discovery started from (a trailing slash aside), and is taken from auth-url', () => {
    const body = doc({ token_endpoint: `${KC}/protocol/openid-connect/token` })
    for (const authUrl of [KC, `${KC}/`, `${KC}/.well-known/openid-configuration`]) {
      assert.equal(parseDiscovery(body, new URL(authUrl), 'u').issuer, KC)
    }
    for (const [issuer, stated] of [
      ['https://sts.amazonaws.com', 'issuer "https://sts.amazonaws.com"'],
      [`${KC}x`, `issuer "${KC}x"`],
      [undefined, 'no issuer'],
      [42, 'no issuer']
    ] as const) {
      assert.throws(
        () => parseDiscovery(doc({ issuer, token_endpoint: `${KC}/token` }), new URL(KC), 'u'),
        (error: unknown) => {
          assert.ok(error instanceof InputError)
          assert.ok(
            error.message.includes(`states ${stated}, not the URL discovery started from (${KC})`),
            error.message
          )
          return true
        }
      )
    }
  })

  test('endpoints on another origin than auth-url are refused, with the way out', () => {
    for (const field of ['token_endpoint', 'revocation_endpoint']) {
      for (const foreign of [
        'https://evil.example.com/token',
        'http://kc.example.com/token',
        'https://kc.example.com:8443/t'
      ]) {
        const body = doc({ token_endpoint: `${KC}/token`, [field]: foreign })
        assert.throws(
          () => parseDiscovery(body, new URL(KC), 'u'),
          new RegExp(
            `names the ${field} .* not on the origin of auth-url \\(https://kc\\.example\\.com\\).*set auth-url to the token endpoint itself`
          )
        )
      }
    }
  })
})

test('discovered endpoints lose their #fragment (never sent; the only place a URL can hold ##[)', () => {
  const endpoints = parseDiscovery(
    JSON.stringify({
      issuer: KC,
      token_endpoint: `${KC}/protocol/openid-connect/token?x=##[stop-commands]y`,
      revocation_endpoint: `${KC}/revoke#`
    }),
    new URL(KC),
    `${KC}/.well-known/openid-configuration`
  )
  assert.equal(endpoints.tokenEndpoint, `${KC}/protocol/openid-connect/token?x=`)
  assert.equal(endpoints.revocationEndpoint, `${KC}/revoke`)
})
