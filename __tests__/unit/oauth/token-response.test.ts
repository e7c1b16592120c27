/** Every way a token endpoint (or whatever answers in its place) can answer, read by the pure parser. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  describeBody,
  errorFailure,
  MAX_EXPIRES_IN_SECONDS,
  parseTokenResponse,
  type ParsedTokenResponse
} from '../../../src/oauth/token-response.ts'
import { printable, redact } from '../../../src/common/server-text.ts'
import type { AttemptFailure } from '../../../src/common/errors.ts'
import type { HttpResponse } from '../../../src/net/http.ts'

const NOW = Date.parse('2026-03-01T12:00:00Z')
const SECRET = 'p%a+s:s w&ord=/?#~!<x>"q\''
const JSON_TYPE = { 'content-type': 'application/json' }

const answer = (status: number, body: unknown, headers: HttpResponse['headers'] = JSON_TYPE): HttpResponse => ({
  status,
  headers,
  body: typeof body === 'string' ? body : JSON.stringify(body)
})
const parse = (response: HttpResponse, secrets: string[] = [SECRET]): ParsedTokenResponse =>
  parseTokenResponse(response, NOW, secrets)
const failureOf = (response: HttpResponse, secrets: string[] = [SECRET]): AttemptFailure => {
  const parsed = parse(response, secrets)
  if (parsed.ok) assert.fail('expected a failure')
  return parsed.failure
}

describe('a successful answer', () => {
  test('Keycloak-style: token, type, lifetime, scope, and the extra credentials to mask', () => {
    const parsed = parse(
      answer(200, {
        access_token: 'eyJ.a.b',
        token_type: 'Bearer',
        expires_in: 1800,
        scope: ' scan:read  profile ',
        id_token: 'id.token.value',
        refresh_token: 'refresh-value',
        'not-before-policy': 0
      })
    )
    assert.deepEqual(parsed, {
      ok: true,
      token: {
        accessToken: 'eyJ.a.b',
        tokenType: 'Bearer',
        expiresIn: 1800,
        scope: 'scan:read  profile',
        extraSecrets: ['id.token.value', 'refresh-value']
      }
    })
  })

  test('lenient where servers differ: no token_type is Bearer, "bearer" is Bearer, expires_in as a string', () => {
    const minimal = parse(answer(200, { access_token: 'opaque' }))
    assert.ok(minimal.ok)
    assert.deepEqual(minimal.token, {
      accessToken: 'opaque',
      tokenType: 'Bearer',
      expiresIn: undefined,
      scope: undefined,
      extraSecrets: []
    })
    const lower = parse(answer(200, { access_token: 't', token_type: 'bearer', expires_in: '300' }))
    assert.ok(lower.ok)
    assert.equal(lower.token.tokenType, 'Bearer')
    assert.equal(lower.token.expiresIn, 300)
    const fractional = parse(answer(201, { access_token: 't', expires_in: 299.9 }))
    assert.ok(fractional.ok)
    assert.equal(fractional.token.expiresIn, 299)
  })

  test('"never expires" as 2^31-1 is still a lifetime', () => {
    const parsed = parse(answer(200, { access_token: 't', expires_in: 2 ** 31 - 1 }))
    assert.ok(parsed.ok)
  })
})

describe('a hostile or broken 2xx fails clearly, never retried', () => {
  const cases: [string, HttpResponse, RegExp][] = [
    [
      'an HTML login page',
      answer(
        200,
        '<html><head><title>Sign in</title><script>var x=1</script></head><body><h1>Corporate SSO</h1></body></html>',
        { 'content-type': 'text/html; charset=utf-8' }
      ),
      /^the answer is not a JSON token response \(text\/html: "Sign in Corporate SSO"\): check that auth-url is the token endpoint, and that no proxy or login page answers instead$/
    ],
    ['an empty body', answer(200, '', {}), /not a JSON token response \(empty body, no content type\)/],
    [
      'control characters only: shown escaped',
      answer(200, '\u0000\u0001', {}),
      /not a JSON token response \(no content type: "\\u0000\\u0001"\)/
    ],
    [
      'a page with no text',
      answer(200, '<html><body><img src=x></body></html>', { 'content-type': 'text/html' }),
      /\(no readable text, text\/html\)/
    ],
    [
      'a JSON array',
      answer(200, [{ access_token: 'x' }]),
      /not a JSON token response \(application\/json: "\[\{"access_token":"x"\}\]"\)/
    ],
    ['JSON null', answer(200, 'null'), /not a JSON token response/],
    ['truncated JSON', answer(200, '{"access_token":"abc'), /not a JSON token response/],
    ['no access_token', answer(200, { token_type: 'Bearer' }), /^the JSON answer has no access_token$/],
    [
      'a numeric access_token',
      answer(200, { access_token: 12345 }),
      /^the access_token in the answer is not a non-empty string$/
    ],
    ['a null access_token', answer(200, { access_token: null }), /not a non-empty string/],
    ['an object access_token', answer(200, { access_token: { value: 'x' } }), /not a non-empty string/],
    ['an empty access_token', answer(200, { access_token: '' }), /not a non-empty string/],
    ['a blank access_token', answer(200, { access_token: '   ' }), /not a non-empty string/],
    [
      'an access_token with a line break',
      answer(200, { access_token: 'abc\ndef' }),
      /whitespace or control characters/
    ],
    [
      'a DPoP token',
      answer(200, { access_token: 't', token_type: 'DPoP' }),
      /^the token_type is "DPoP", not Bearer: .*DPoP or mTLS/
    ],
    ['a numeric token_type', answer(200, { access_token: 't', token_type: 7 }), /the token_type is "7", not Bearer/],
    [
      'a negative expires_in',
      answer(200, { access_token: 't', expires_in: -1 }),
      /^the expires_in in the answer is not a plausible number of seconds/
    ],
    ['a non-numeric expires_in', answer(200, { access_token: 't', expires_in: 'soon' }), /expires_in/],
    ['a negative expires_in as a string', answer(200, { access_token: 't', expires_in: '-5' }), /expires_in/],
    ['an absurd expires_in', answer(200, { access_token: 't', expires_in: MAX_EXPIRES_IN_SECONDS + 1 }), /expires_in/],
    ['a boolean expires_in', answer(200, { access_token: 't', expires_in: true }), /expires_in/]
  ]
  for (const [name, response, detail] of cases) {
    test(name, () => {
      const failure = failureOf(response)
      assert.equal(failure.status, response.status)
      assert.equal(failure.transient, false)
      assert.match(failure.detail, detail)
    })
  }

  test('the excerpt of a long page is short, and printable', () => {
    const failure = failureOf(answer(200, `<p>${'word\u0000\t '.repeat(500)}</p>`, { 'content-type': 'text/html' }))
    const excerpt = /: "(.*)"\)/.exec(failure.detail)?.[1] ?? ''
    assert.equal(excerpt.length, 120)
    assert.ok(excerpt.endsWith('…'))
    assert.doesNotMatch(excerpt, /[\u0000-\u001f]/)
  })
})

describe('error answers', () => {
  test('an OAuth error: code and description, printable and bounded', () => {
    const failure = errorFailure(
      answer(401, { error: 'unauthorized_client', error_description: 'Invalid client or Invalid client credentials' }),
      NOW
    )
    assert.deepEqual(failure, {
      status: 401,
      transient: false,
      error: 'unauthorized_client',
      errorDescription: 'Invalid client or Invalid client credentials',
      detail: 'unauthorized_client: Invalid client or Invalid client credentials'
    })
    const long = errorFailure(
      answer(400, { error: 'invalid_scope\n\u001b[31m', error_description: 'x'.repeat(1000) }),
      NOW
    )
    assert.equal(long.error, 'invalid_scope\\n\\u001b[31m')
    assert.equal(long.errorDescription?.length, 300)
  })

  test('429, 408 and 5xx are transient; other 4xx are not', () => {
    for (const status of [408, 429, 500, 502, 503, 504])
      assert.equal(errorFailure(answer(status, ''), NOW).transient, true, String(status))
    for (const status of [400, 401, 403, 404, 405, 410])
      assert.equal(errorFailure(answer(status, ''), NOW).transient, false, String(status))
  })

  test('Retry-After is read on transient answers only', () => {
    assert.equal(errorFailure(answer(429, '', { 'retry-after': '3' }), NOW).retryAfterMs, 3000)
    assert.equal(
      errorFailure(answer(503, '', { 'retry-after': 'Sun, 01 Mar 2026 12:00:10 GMT' }), NOW).retryAfterMs,
      10_000
    )
    assert.equal(errorFailure(answer(400, '', { 'retry-after': '3' }), NOW).retryAfterMs, undefined)
    assert.equal('retryAfterMs' in errorFailure(answer(429, ''), NOW), false)
  })

  test('a redirect is reported with where it pointed (no query), and not followed', () => {
    const failure = errorFailure(answer(302, '', { location: 'https://sso.example.com/login?session=abc#frag' }), NOW)
    assert.equal(failure.transient, false)
    assert.equal(
      failure.detail,
      'a redirect to https://sso.example.com/login, which is not followed with credentials: set auth-url to the final token endpoint URL'
    )
    assert.match(errorFailure(answer(307, '', {}), NOW).detail, /^a redirect, which is not followed/)
    assert.match(errorFailure(answer(301, '', { location: '::' }), NOW).detail, /^a redirect to an unreadable location/)
  })

  test('a non-OAuth error page is summarised by type and excerpt', () => {
    assert.equal(
      errorFailure(
        answer(502, '<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>', { 'content-type': 'text/html' }),
        NOW
      ).detail,
      'text/html: "502 Bad Gateway nginx"'
    )
  })
})

describe('known secrets are never quoted back', () => {
  const encoded = new URLSearchParams({ v: SECRET }).toString().slice(2)
  const secrets = [SECRET, encoded, encodeURIComponent(SECRET)]
  const leaks = (text: string | undefined): boolean =>
    text !== undefined &&
    [SECRET, encoded, encodeURIComponent(SECRET), JSON.stringify(SECRET).slice(1, -1)].some(form => text.includes(form))

  test('a page that reflects the request body, raw, form-encoded, JSON- or HTML-escaped', () => {
    const html = SECRET.replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&#39;')
    const bodies = [
      `<html><body>You sent client_secret=${encoded}</body></html>`,
      `<html><body>secret: ${html}</body></html>`,
      `<pre>${SECRET}</pre>`,
      JSON.stringify({ message: `bad secret ${SECRET}` })
    ]
    for (const body of bodies) {
      for (const status of [200, 400, 500]) {
        const failure = failureOf(answer(status, body, { 'content-type': 'text/html' }), secrets)
        assert.ok(!leaks(failure.detail), `leaked in: ${failure.detail}`)
        // (a JSON 200 without access_token quotes nothing at all)
        if (status !== 200 || !body.startsWith('{')) assert.match(failure.detail, /\*\*\*/)
      }
    }
  })

  test('an OAuth error_description (or error) that echoes the secret', () => {
    const failure = failureOf(
      answer(401, { error: `bad ${SECRET}`, error_description: `Invalid secret "${SECRET}"` }),
      secrets
    )
    assert.equal(failure.errorDescription, 'Invalid secret "***"')
    assert.equal(failure.error, 'bad ***')
    assert.ok(!leaks(failure.detail))
  })

  test('a secret that holds tag-like text, or whose whitespace the excerpt collapses, or that straddles the cut', () => {
    const tagged = 'ab<cd>ef-0123'
    assert.equal(
      describeBody(answer(200, `<p>x ${tagged} y</p>`, { 'content-type': 'text/html' }), [tagged]),
      'text/html: "x *** y"'
    )
    const spaced = 'two words'
    assert.equal(printable('two \t  words', 80, [spaced]), '***')
    // Escaping a line break could spell a secret that holds a backslash.
    assert.equal(printable('a\nb', 80, ['a\\nb']), '***')
    const long = `${'x'.repeat(115)}${SECRET}`
    assert.ok(!printable(long, 120, [SECRET]).includes(SECRET.slice(0, 3)))
  })

  test('redact: an empty secret (an unset optional input) redacts nothing', () => {
    assert.equal(redact('plain answer text', ['', 'answer']), 'plain *** text')
    assert.equal(redact('plain answer text', ['']), 'plain answer text')
  })

  test('redact: longest form first; a secret that would re-form around the marker withholds the text', () => {
    assert.equal(redact('id abcdefgh abcd', ['abcd', 'abcdefgh']), 'id *** ***')
    assert.equal(redact('nothing here', ['']), 'nothing here')
    assert.equal(redact('a ** b', ['**']), '(withheld: it contains a secret)')
  })
})
