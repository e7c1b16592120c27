/** What debug logging may show: a JWT's non-secret claims, and one line per request without headers or bodies. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { debugTransport, safeJwtClaims } from '../../../src/oauth/diagnostics.ts'
import { TransportError } from '../../../src/net/transport.ts'
import { type HttpRequest, type Transport } from '../../../src/net/http.ts'

const jwt = (payload: unknown): string =>
  [{ alg: 'RS256', typ: 'JWT' }, payload]
    .map(part => Buffer.from(JSON.stringify(part)).toString('base64url'))
    .join('.') + '.c2lnbmF0dXJl'

describe('safeJwtClaims', () => {
  test('a Keycloak access token: issuer, client, audience, scope and times; nothing about the account', () => {
    const token = jwt({
      iss: 'https://kc.example.com/realms/BinarlyRealm',
      azp: 'ci-client',
      aud: ['binarly-api', 'account'],
      typ: 'Bearer',
      scope: 'profile scan:read',
      iat: 1_772_000_000,
      exp: 1_772_001_800,
      sub: '0b1c-service-account',
      preferred_username: 'service-account-ci-client',
      email: 'ci@example.com',
      realm_access: { roles: ['admin'] },
      jti: 'unique-id'
    })
    assert.deepEqual(safeJwtClaims(token), {
      iss: 'https://kc.example.com/realms/BinarlyRealm',
      azp: 'ci-client',
      aud: ['binarly-api', 'account'],
      typ: 'Bearer',
      scope: 'profile scan:read',
      iat: 1_772_000_000,
      exp: 1_772_001_800
    })
  })

  test('claims of an unexpected shape are left out', () => {
    assert.deepEqual(safeJwtClaims(jwt({ iss: { nested: true }, aud: ['a', 1], exp: null, client_id: 'c' })), {
      client_id: 'c'
    })
  })

  test('an opaque token, or anything that does not decode to a JSON object, gives undefined', () => {
    for (const token of [
      'opaque-token-value',
      'a.b',
      'a..c',
      'a.!!!.c',
      jwt([1, 2]),
      jwt('text'),
      jwt(null),
      'x.e30.y.z'
    ]) {
      assert.equal(safeJwtClaims(token), undefined, token)
    }
  })
})

describe('debugTransport', () => {
  const request: HttpRequest = {
    method: 'POST',
    url: 'https://kc.example.com/realms/BinarlyRealm/protocol/openid-connect/token',
    headers: { authorization: 'Basic c2VjcmV0', 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&client_secret=s3cr3t',
    timeoutMs: 1000
  }
  const clock = (steps: number[]): { now(): number } => {
    let i = 0
    return { now: () => steps[Math.min(i++, steps.length - 1)] ?? 0 }
  }

  test('one line per answer: method, URL, status, type, size and time; never a header or a body', async () => {
    const lines: string[] = []
    const body = '{"access_token":"tok-123","token_type":"Bearer"}'
    const inner: Transport = async () => ({
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body
    })
    const response = await debugTransport(inner, clock([1000, 1085]), line => lines.push(line))(request)
    assert.equal(response.body, body)
    assert.deepEqual(lines, [`POST ${request.url}: HTTP 200, application/json, ${body.length} bytes, in 85 ms`])
  })

  test('a network failure is logged by its code and passed on unchanged', async () => {
    const lines: string[] = []
    const failure = new TransportError('socket hang up', 'ECONNRESET')
    const inner: Transport = async () => {
      throw failure
    }
    await assert.rejects(debugTransport(inner, clock([0, 1200]), line => lines.push(line))(request), failure)
    assert.deepEqual(lines, [`POST ${request.url}: no answer (ECONNRESET) after 1.2 s`])
  })

  test('a failure that is not a network error is logged without its text, and passed on unchanged', async () => {
    const lines: string[] = []
    const failure = new Error('internal detail s3cr3t')
    const inner: Transport = async () => {
      throw failure
    }
    await assert.rejects(debugTransport(inner, clock([0, 40]), line => lines.push(line))(request), failure)
    assert.deepEqual(lines, [`POST ${request.url}: no answer (an unexpected error) after 40 ms`])
  })

  test('nothing of the request or the answer beyond that', async () => {
    const lines: string[] = []
    const inner: Transport = async () => ({
      status: 401,
      headers: { 'www-authenticate': 'Basic realm="x"' },
      body: 's3cr3t tok-123'
    })
    await debugTransport(inner, clock([0, 5]), line => lines.push(line))(request)
    assert.doesNotMatch(lines.join('\n'), /s3cr3t|c2VjcmV0|tok-123|authorization|realm=|grant_type/i)
  })
})
