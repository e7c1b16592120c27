/**
 * A Keycloak that does not serve the path of auth-url answers HTTP 404 with one JSON field, as Keycloak 26.5.6
 * and 26.7.3 do (__tests__/keycloak/keycloak.smoke.test.ts); the bundled main step turns it into the fix:
 * the /auth/realms/… path of Keycloak before 17 loses its /auth, for the token endpoint and for discovery.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startHostileServer, type HostileServer } from '../support/hostile-server.ts'
import { assertNowhere } from '../support/leaks.ts'
import { runStep } from '../support/runner.ts'

const NOT_SERVED = { status: 404, body: '{"error":"Unable to find matching target resource method"}' }
const SECRET = 'legacy-path-secret-123'

let keycloak: HostileServer
before(async () => {
  keycloak = await startHostileServer()
  for (const path of [
    '/auth/realms/BinarlyRealm/protocol/openid-connect/token',
    '/auth/realms/BinarlyRealm/.well-known/openid-configuration'
  ])
    keycloak.route(path, () => NOT_SERVED)
})
after(() => keycloak.close())

for (const [name, path, start] of [
  [
    'the token endpoint',
    '/auth/realms/BinarlyRealm/protocol/openid-connect/token',
    /^binarly-m2m-auth: Token request to .* failed: HTTP 404 Unable to find matching target resource method\. Keycloak serves nothing at this path\. /
  ],
  [
    'the realm URL',
    '/auth/realms/BinarlyRealm',
    /^binarly-m2m-auth: OpenID discovery at .*\/auth\/realms\/BinarlyRealm\/\.well-known\/openid-configuration failed: HTTP 404, /
  ]
] as const) {
  test(`${name} under /auth: the step fails saying to remove /auth`, async () => {
    const result = await runStep('main', {
      'auth-url': `${keycloak.origin}${path}`,
      'client-id': 'ci',
      'client-secret': SECRET,
      retries: '0'
    })
    assert.equal(result.code, 1, result.stdout)
    assert.equal(result.errors.length, 1, result.stdout)
    const error = result.errors[0] ?? ''
    assert.match(error, start)
    assert.match(
      error,
      /auth-url has \/auth before \/realms, the path of Keycloak before version 17: remove \/auth, so that it is …\/realms\/BinarlyRealm\/protocol\/openid-connect\/token/
    )
    assert.doesNotMatch(error, /[^.]\.\.(?!\.)/)
    assertNowhere(result, [SECRET])
  })
}
