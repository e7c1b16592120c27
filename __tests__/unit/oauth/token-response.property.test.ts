/**
 * Thousands of arbitrary answers (any status, hostile headers, any body: text, JSON, near-miss token
 * responses, pages that echo the secret) thrown at the response handling. It never throws, never succeeds
 * without a valid token, classifies retries consistently, and never quotes a known secret back.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { formEncode } from '../../../src/oauth/secret-forms.ts'
import type { AttemptFailure } from '../../../src/common/errors.ts'
import { errorFailure, MAX_EXPIRES_IN_SECONDS, parseTokenResponse } from '../../../src/oauth/token-response.ts'
import type { HttpResponse } from '../../../src/net/http.ts'

const RUNS = 3000
const NOW = Date.parse('2026-03-01T12:00:00Z')

/** A client secret as the config holds it: trimmed, not empty, at least 8 characters. */
const secretArb = fc
  .string({
    minLength: 8,
    maxLength: 40,
    // characters that encodings and escapes change, printable ASCII, and any code point
    unit: fc.oneof(
      fc.constantFrom(...'&<>"\'%+:=/?# \\'.split('')),
      fc.constantFrom('grapheme-ascii', 'binary').chain(unit => fc.string({ unit, minLength: 1, maxLength: 1 }))
    )
  })
  .filter(s => s.trim() === s)

/** The forms a secret is redacted in, as secretsOf gives them. */
const knownForms = (secret: string): string[] => [secret, encodeURIComponent(secret), formEncode(secret)]
/** The forms a server could echo it in: as sent (form-encoded), raw, JSON- or HTML-escaped. */
const echoedForms = (secret: string): string[] => [
  ...knownForms(secret),
  JSON.stringify(secret).slice(1, -1),
  secret
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
]

const statusArb = fc.oneof(
  fc.integer({ min: 100, max: 599 }),
  fc.constantFrom(200, 201, 204, 301, 302, 307, 400, 401, 403, 404, 408, 429, 500, 502, 503)
)
const textArb = fc.string({ unit: 'binary', maxLength: 200 })

/** Bodies that are almost token responses: every field of any JSON type, or a plausible value. */
const nearTokenArb = fc
  .record(
    {
      access_token: fc.oneof(fc.jsonValue(), fc.string(), fc.constantFrom('', ' ', 'eyJ.a.b', 'tok en', 'ok-token')),
      token_type: fc.oneof(fc.jsonValue(), fc.constantFrom('Bearer', 'bearer', 'DPoP', 'N_A')),
      expires_in: fc.oneof(
        fc.jsonValue(),
        fc.integer(),
        fc.double(),
        fc.constantFrom('300', '-1', '1e3', 2 ** 31 - 1, 1e300)
      ),
      scope: fc.jsonValue(),
      error: fc.oneof(fc.string(), fc.jsonValue()),
      error_description: fc.oneof(fc.string(), fc.jsonValue()),
      id_token: fc.jsonValue()
    },
    { requiredKeys: [] }
  )
  .map(v => JSON.stringify(v))

/** A response, possibly with the secret planted (in one of its echoed forms) in the body or a header. */
const responseArb = (secret: string): fc.Arbitrary<HttpResponse> => {
  const planted = fc.constantFrom(...echoedForms(secret))
  const bodyArb = fc.oneof(
    textArb,
    fc.json(),
    nearTokenArb,
    fc.tuple(textArb, planted, textArb).map(([a, s, b]) => `<html><body><p>${a}</p>${s}<i>${b}</i></body></html>`),
    fc.tuple(textArb, planted).map(([a, s]) => `${a}${s}`),
    fc
      .tuple(fc.string(), planted)
      .map(([e, s]) => JSON.stringify({ error: `${e}${s}`, error_description: `echo: ${s}` })),
    fc.tuple(fc.string(), planted).map(([e, s]) => JSON.stringify({ error: e, message: `bad secret ${s}` }))
  )
  const headerArb = fc.record(
    {
      'content-type': fc.oneof(fc.constantFrom('application/json', 'text/html; charset=utf-8'), textArb, planted),
      'retry-after': fc.oneof(
        textArb,
        fc.nat().map(String),
        fc.date({ noInvalidDate: true }).map(d => d.toUTCString())
      ),
      location: fc.oneof(
        fc.webUrl(),
        textArb,
        planted.map(s => `https://sso.example.com/${s}`)
      )
    },
    { requiredKeys: [] }
  )
  return fc.record({ status: statusArb, headers: headerArb, body: bodyArb })
}

const caseArb = secretArb.chain(secret => fc.record({ secret: fc.constant(secret), response: responseArb(secret) }))

/** The failure's printed parts never hold a secret in any form a log could show. */
function assertNoEcho(failure: AttemptFailure, secret: string): void {
  for (const text of [failure.detail, failure.error, failure.errorDescription]) {
    if (text === undefined) continue
    for (const form of echoedForms(secret))
      assert.ok(!text.includes(form), `echoed ${JSON.stringify(form)} in ${JSON.stringify(text)}`)
  }
}

function assertConsistent(failure: AttemptFailure, status: number): void {
  assert.ok(failure.detail.length > 0)
  const transientStatus = status === 408 || status === 429 || status >= 500
  assert.equal(failure.transient, transientStatus && (status < 200 || status > 299))
  if (failure.retryAfterMs !== undefined) {
    assert.ok(failure.transient)
    assert.ok(failure.retryAfterMs >= 0)
  }
}

describe('response handling under arbitrary answers', () => {
  test('parseTokenResponse never throws, succeeds only with a valid token, and never echoes a secret', () => {
    fc.assert(
      fc.property(caseArb, ({ secret, response }) => {
        const parsed = parseTokenResponse(response, NOW, knownForms(secret))
        if (!parsed.ok) {
          assert.equal(parsed.failure.status, response.status)
          assertConsistent(parsed.failure, response.status)
          assertNoEcho(parsed.failure, secret)
          return
        }
        assert.ok(response.status >= 200 && response.status <= 299)
        const json = JSON.parse(response.body) as Record<string, unknown>
        const { token } = parsed
        assert.equal(typeof json.access_token, 'string')
        assert.equal(token.accessToken, json.access_token)
        assert.match(token.accessToken, /^[^\s\u0000-\u001f\u007f]+$/)
        assert.equal(token.tokenType.toLowerCase(), 'bearer')
        if (token.expiresIn !== undefined) {
          assert.ok(
            Number.isInteger(token.expiresIn) && token.expiresIn >= 0 && token.expiresIn <= MAX_EXPIRES_IN_SECONDS
          )
        }
      }),
      { numRuns: RUNS }
    )
  })

  test('errorFailure never throws, classifies by status, and never echoes a secret', () => {
    fc.assert(
      fc.property(caseArb, ({ secret, response }) => {
        const status = response.status < 200 || response.status > 299 ? response.status : 500
        const failure = errorFailure({ ...response, status }, NOW, knownForms(secret))
        assert.equal(failure.status, status)
        assertConsistent(failure, status)
        assertNoEcho(failure, secret)
      }),
      { numRuns: RUNS }
    )
  })
})
