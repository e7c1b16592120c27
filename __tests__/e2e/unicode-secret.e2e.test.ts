/** A secret with non-ASCII letters (which oidc-provider does not allow) works with both secret methods. */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { assertMaskedFirst, assertNowhere, basicForms } from '../support/leaks.ts'
import { startPlainTokenEndpoint, type PlainTokenEndpoint } from '../support/plain-token-endpoint.ts'
import { runStep } from '../support/runner.ts'

const ID = 'binarly-ci'
const SECRET = 'p%a+s:s w&ord-ü-ß-=/?#'
let endpoint: PlainTokenEndpoint
before(async () => {
  endpoint = await startPlainTokenEndpoint(ID, SECRET)
})
after(() => endpoint.close())

for (const method of ['client_secret_post', 'client_secret_basic'] as const) {
  test(`${method} with a non-ASCII secret`, async () => {
    const result = await runStep('main', {
      'auth-url': endpoint.url,
      'client-id': ID,
      'client-secret': SECRET,
      'auth-method': method
    })
    assert.equal(result.code, 0, result.stdout + result.stderr)
    assert.equal(endpoint.seen.at(-1), method === 'client_secret_basic' ? 'basic' : 'post')
    assertMaskedFirst(result, result.outputs['access-token'] ?? '')
    assertNowhere(result, [SECRET, ...basicForms(ID, SECRET)])
  })
}

test('the same secret, mistyped, is refused with the fix', async () => {
  const result = await runStep('main', {
    'auth-url': endpoint.url,
    'client-id': ID,
    'client-secret': SECRET.replace('ü', 'u')
  })
  assert.equal(result.code, 1)
  assert.match(
    result.errors[0] ?? '',
    /HTTP 401 invalid_client: "Invalid client or Invalid client credentials"\. Client "binarly-ci" is unknown or disabled in this realm, or its secret is wrong/
  )
  assertNowhere(result, [SECRET, SECRET.replace('ü', 'u')])
})
