import assert from 'node:assert/strict'
import { test } from 'node:test'
import { basicAuthorization, clientCredentials } from '../../../src/oauth/client-auth.ts'

const ctx = {
  clientId: 'ci',
  endpoint: 'https://kc/token',
  oidcAudience: undefined,
  getIDToken: async () => 'unused',
  now: () => 0
}

test('Basic credentials are form-urlencoded before Base64 (RFC 6749 §2.3.1)', () => {
  const header = basicAuthorization('my:client id', 'p%a+s:s w&ord-ü')
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString()
  assert.equal(decoded, 'my%3Aclient+id:p%25a%2Bs%3As+w%26ord-%C3%BC')
  const [id, secret] = decoded.split(':').map(v => decodeURIComponent(v.replace(/\+/g, ' ')))
  assert.equal(id, 'my:client id')
  assert.equal(secret, 'p%a+s:s w&ord-ü')
})

test('client_secret_basic masks the header value; client_secret_post sends form fields', async () => {
  const basic = await clientCredentials({ method: 'client_secret_basic', clientSecret: 's' }, ctx)
  assert.deepEqual(basic.fields, {})
  assert.equal(basic.secrets.length, 1)
  assert.equal(basic.headers.authorization, `Basic ${basic.secrets[0]}`)
  const post = await clientCredentials({ method: 'client_secret_post', clientSecret: 's' }, ctx)
  assert.deepEqual(post, { fields: { client_id: 'ci', client_secret: 's' }, headers: {}, secrets: [] })
})

test('github_oidc without an audience (a post step whose state lost it) fails before asking GitHub', async () => {
  let asked = 0
  await assert.rejects(
    clientCredentials(
      { method: 'github_oidc', oidcAudience: undefined },
      {
        ...ctx,
        getIDToken: async () => {
          asked++
          return 'unused'
        }
      }
    ),
    /^Error: github_oidc needs an audience for the GitHub OIDC token$/
  )
  assert.equal(asked, 0)
})
