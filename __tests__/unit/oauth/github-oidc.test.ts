import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { checkClientAuth, clientCredentials } from '../../../src/oauth/client-auth.ts'
import { InputError } from '../../../src/common/errors.ts'
import {
  checkIssuedClient,
  githubIdToken,
  issuedClient,
  presentedIdentity,
  requestIdToken,
  requireIdTokenPermission,
  WrongClientError
} from '../../../src/oauth/github-oidc.ts'
import { TransportError } from '../../../src/net/transport.ts'
import { type HttpRequest, type Transport } from '../../../src/net/http.ts'
import { hintFor, type HintContext } from '../../../src/oauth/hints.ts'

const REQUEST_ENV = {
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://example/token?api-version=2.0',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't'
}

describe('the id-token permission', () => {
  test('both request variables are needed', () => {
    requireIdTokenPermission(REQUEST_ENV)
    for (const env of [{}, { ACTIONS_ID_TOKEN_REQUEST_URL: 'x' }, { ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'x' }]) {
      assert.throws(() => requireIdTokenPermission(env), /add "permissions: id-token: write" to the job/)
    }
  })

  test('checkClientAuth asks for it only with github_oidc', async () => {
    await assert.rejects(checkClientAuth({ method: 'github_oidc', oidcAudience: undefined }, {}), InputError)
    await checkClientAuth({ method: 'github_oidc', oidcAudience: undefined }, REQUEST_ENV)
    await checkClientAuth({ method: 'client_secret_post', clientSecret: 's' }, {})
  })
})

describe('githubIdToken', () => {
  // The three shapes of error @actions/core's OidcClient.getIDToken throws.
  const coreError = (code: string, message: string): Error =>
    new Error(
      `Error message: Failed to get ID Token. \n \n        Error Code : ${code}\n \n        Error Message: ${message}`
    )

  test('hands the token through', async () => {
    assert.equal(await githubIdToken(async audience => `token-for-${audience}`, 'aud'), 'token-for-aud')
  })

  test("an HTTP failure names the status, never the service's answer", async () => {
    const error = coreError('503', 'secret-looking body text')
    await assert.rejects(
      githubIdToken(() => Promise.reject(error), 'https://kc/realms/R'),
      (thrown: Error) => {
        assert.match(
          thrown.message,
          /gave no token for audience "https:\/\/kc\/realms\/R": it answered HTTP 503\. This is on GitHub's side/
        )
        assert.ok(!thrown.message.includes('secret-looking'))
        return true
      }
    )
  })

  test('a network failure and an answer without a value say so', async () => {
    await assert.rejects(
      githubIdToken(() => Promise.reject(coreError('undefined', 'connect ECONNREFUSED 10.0.0.1:443')), 'a'),
      /: connect ECONNREFUSED 10\.0\.0\.1:443\./
    )
    await assert.rejects(
      githubIdToken(
        () => Promise.reject(new Error('Error message: Response json body do not have ID Token field')),
        'a'
      ),
      /its answer held no token \("value"\)/
    )
  })
})

describe('githubIdToken: failures in shapes @actions/core does not usually give', () => {
  test('a failure message without the usual fields is quoted, printable and short', async () => {
    await assert.rejects(
      githubIdToken(() => Promise.reject(new Error(`proxy said no\n${'x'.repeat(400)}`)), 'a'),
      (thrown: Error) => {
        assert.match(thrown.message, /gave no token for audience "a": proxy said no\\nx+…\. This is on GitHub's side/)
        assert.ok(thrown.message.length < 600)
        return true
      }
    )
  })

  test('a thrown non-Error is described by its text', async () => {
    await assert.rejects(
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the case under test
      githubIdToken(() => Promise.reject('plain text failure'), 'a'),
      /gave no token for audience "a": plain text failure\./
    )
  })
})

describe('github_oidc credentials', () => {
  test('a new GitHub token for every attempt, sent without client_id, and masked', async () => {
    const asked: string[] = []
    const ctx = {
      clientId: 'binarly-github',
      endpoint: 'https://kc/realms/R/protocol/openid-connect/token',
      oidcAudience: 'https://kc/realms/R',
      getIDToken: async (audience: string) => {
        asked.push(audience)
        return `gh-token-${asked.length}`
      },
      now: () => 0
    }
    const auth = { method: 'github_oidc', oidcAudience: undefined } as const
    const first = await clientCredentials(auth, ctx)
    const second = await clientCredentials(auth, ctx)
    assert.deepEqual(first, {
      fields: {
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: 'gh-token-1'
      },
      headers: {},
      secrets: ['gh-token-1']
    })
    assert.equal(second.fields.client_assertion, 'gh-token-2')
    assert.deepEqual(asked, ['https://kc/realms/R', 'https://kc/realms/R'])
  })
})

describe("hints for Keycloak's refusals of a client assertion", () => {
  const hint = (method: HintContext['method'], description: string): string =>
    hintFor(
      { status: 401, error: 'invalid_client', errorDescription: description, detail: '', transient: false },
      { clientId: 'ci', method, scope: undefined, endpoint: 'https://kc/realms/R/protocol/openid-connect/token' }
    ) ?? ''

  test('audience', () => {
    assert.match(hint('github_oidc', 'Invalid token audience'), /leave oidc-audience empty/)
    assert.match(
      hint('private_key_jwt', 'Invalid token audience'),
      /set auth-url to the token endpoint under the hostname of the issuer/
    )
  })

  test('time and replay', () => {
    assert.match(
      hint('github_oidc', 'Token is not active'),
      /expired or not yet valid by its clock: check that the clocks of Keycloak are right/
    )
    assert.match(hint('client_secret_jwt', 'Token was issued in the future'), /clocks of Keycloak and the runner/)
    assert.match(hint('github_oidc', 'Token reuse detected'), /already seen GitHub's OIDC token/)
  })

  test('signature algorithm, and the generic refusals', () => {
    assert.match(
      hint('private_key_jwt', 'Invalid signature algorithm'),
      /Clients → ci → Credentials → Signature algorithm/
    )
    assert.match(
      hint('github_oidc', 'Invalid client or Invalid client credentials'),
      /"Federated subject" \(jwt\.credential\.sub\) equal to the workflow's sub \(e\.g\. repo:OWNER\/REPO:ref:refs\/heads\/main/
    )
    assert.match(
      hint('private_key_jwt', 'Client authentication with signed JWT failed: Signature on JWT token failed validation'),
      /private-key is not the key whose public key the client holds.*Client Authenticator "Signed JWT", and the Keys tab the public key of private-key/
    )
    assert.match(
      hint('private_key_jwt', 'Unable to load public key'),
      /holds no public key of "ci" for this assertion.*must be that key's kid/
    )
    assert.match(hint('client_secret_post', 'Token is not active'), /its secret is wrong/)
  })
})

describe('requestIdToken', () => {
  const env = {
    ACTIONS_ID_TOKEN_REQUEST_URL: 'https://gh.example/_apis/oidc/token?api-version=2.0',
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'rt'
  }
  const answering =
    (status: number, body: string, seen: HttpRequest[] = []): Transport =>
    async request => {
      seen.push(request)
      return { status, headers: {}, body }
    }

  test('asks as OidcClient does, within the time given, and returns the value', async () => {
    const seen: HttpRequest[] = []
    assert.equal(
      await requestIdToken(answering(200, '{"value":"id-token"}', seen), env, 'https://kc/realms/R', 1234),
      'id-token'
    )
    assert.deepEqual(seen, [
      {
        method: 'GET',
        url: 'https://gh.example/_apis/oidc/token?api-version=2.0&audience=https%3A%2F%2Fkc%2Frealms%2FR',
        headers: { accept: 'application/json', authorization: 'Bearer rt' },
        timeoutMs: 1234
      }
    ])
  })

  test('each failure says what GitHub answered, never its body', async () => {
    const cases: [Transport, RegExp][] = [
      [answering(500, 'secret-looking body'), /it answered HTTP 500\. This is on GitHub's side/],
      [answering(200, '{"count":1}'), /its answer held no token \("value"\)/],
      [answering(200, 'not json'), /its answer held no token \("value"\)/],
      [answering(200, 'null'), /its answer held no token \("value"\)/],
      [
        async () => {
          throw new TransportError('no complete answer within 2 s', 'ETIMEDOUT')
        },
        /: no complete answer within 2 s \(ETIMEDOUT\)\. /
      ],
      [
        async () => {
          throw new TypeError('boom')
        },
        /: an unexpected error\. /
      ]
    ]
    for (const [transport, message] of cases) {
      await assert.rejects(
        githubIdToken(audience => requestIdToken(transport, {}, audience, 1000), 'aud'),
        (error: Error) => {
          assert.match(error.message, message)
          assert.ok(!error.message.includes('secret-looking'))
          return true
        }
      )
    }
  })
})

/** An unsigned JWT with these claims (only the payload is ever read). */
const jwt = (claims: Record<string, unknown>): string =>
  `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`

describe('what a GitHub OIDC token says about itself', () => {
  test('iss, sub and aud, printable; an array aud joined; missing claims and non-JWTs', () => {
    assert.deepEqual(
      presentedIdentity(
        jwt({ iss: 'https://ghes.example/_services/token', sub: 'repo:o/r:ref:refs/heads/a\nb', aud: ['x', 'y', 3] })
      ),
      { iss: 'https://ghes.example/_services/token', sub: 'repo:o/r:ref:refs/heads/a\\nb', aud: 'x y' }
    )
    assert.deepEqual(presentedIdentity(jwt({ sub: 7 })), { iss: '(none)', sub: '(none)', aud: '(none)' })
    assert.equal(presentedIdentity('not-a-jwt'), undefined)
    assert.equal(presentedIdentity('a.bm90IGpzb24.c'), undefined)
    assert.equal(presentedIdentity(`a.${Buffer.from('[1]').toString('base64url')}.c`), undefined)
  })

  test('the hints quote them, and which setting must equal which', () => {
    const presented = {
      iss: 'https://ghes.example/_services/token',
      sub: 'repo:o/r:environment:prod',
      aud: 'https://kc/realms/R'
    }
    const ctx = {
      clientId: 'ci',
      method: 'github_oidc',
      scope: undefined,
      endpoint: 'https://kc/t',
      presented
    } as const
    const refusal = (description: string): string =>
      hintFor(
        { status: 400, error: 'invalid_client', errorDescription: description, detail: '', transient: false },
        ctx
      ) ?? ''
    assert.equal(
      refusal('Invalid client or Invalid client credentials'),
      'Keycloak did not accept GitHub\'s OIDC token as the credential of client "ci"; the token presented has iss "https://ghes.example/_services/token", sub "repo:o/r:environment:prod", aud "https://kc/realms/R". In Keycloak these must match it: an identity provider whose Issuer is "https://ghes.example/_services/token", with "Supports client assertions" on; client "ci" with Client Authenticator "Signed JWT - Federated", that identity provider, and "Federated subject" (jwt.credential.sub) equal to "repo:o/r:environment:prod" exactly (branch, tag or environment included); and aud must be the realm\'s issuer URL (leave oidc-audience empty to use the realm of auth-url).'
    )
    assert.match(
      refusal('Invalid token audience'),
      /^The audience of GitHub's OIDC token \(aud "https:\/\/kc\/realms\/R"\) must be exactly/
    )
  })
})

describe('the client a github_oidc token was issued to', () => {
  test('azp, else client_id, else none', () => {
    assert.equal(issuedClient(jwt({ azp: 'a', client_id: 'b' })), 'a')
    assert.equal(issuedClient(jwt({ client_id: 'b' })), 'b')
    assert.equal(issuedClient(jwt({ azp: '' })), undefined)
    assert.equal(issuedClient(jwt({ azp: 5 })), undefined)
    assert.equal(issuedClient('opaque'), undefined)
  })

  test('only a token issued to client-id passes; the refusal keeps the token to revoke', () => {
    checkIssuedClient(jwt({ azp: 'b' }), 'b', undefined)
    checkIssuedClient(jwt({ azp: 'b', client_id: 'b' }), 'b', undefined)
    checkIssuedClient(jwt({ client_id: 'b' }), 'b', undefined)
    // azp decides who the token was issued to: a client_id claim equal to client-id does not override it.
    assert.throws(
      () => checkIssuedClient(jwt({ azp: 'a', client_id: 'b' }), 'b', undefined),
      /issued the token to client "a" \(its azp\), not to client-id "b"/
    )
    assert.throws(() => checkIssuedClient(jwt({ client_id: 'a' }), 'b', undefined), /client "a"/)
    const token = jwt({ azp: 'a\r\n::error::x' })
    assert.throws(
      () => checkIssuedClient(token, 'b', undefined),
      (error: unknown) => {
        assert.ok(error instanceof WrongClientError)
        assert.equal(error.token, token)
        assert.match(
          error.message,
          /issued the token to client "a\\r\\n::error::x" \(its azp\), not to client-id "b".*GitHub's OIDC token, not by client-id/
        )
        return true
      }
    )
    assert.throws(() => checkIssuedClient('opaque', 'b', undefined), /does not say which client it was issued to/)
  })
})
