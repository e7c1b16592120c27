/**
 * binarly-token against a real Keycloak: a job (main step with token-command: true, `run:` steps, post step)
 * whose clients issue 8-second tokens (the client's "Access Token Lifespan"), so that the command has to get
 * new ones; for client_secret_post and for github_oidc (the loopback GitHub stand-in federated into the realm).
 * Keycloak's introspection confirms the new tokens are active, and inactive after the post step.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startKeycloak, type Keycloak } from '../../scripts/keycloak.mjs'
import { startGitHubOidc, SUBJECT, type GitHubOidc } from '../support/github-oidc.ts'
import { filesUnder, startJob, type Job } from '../support/job.ts'
import { formsOf } from '../support/leaks.ts'

const PLAIN = { id: 'binarly-plain', secret: 'plain-secret-123' }
const GITHUB_CLIENT = 'binarly-github-command'
const LIFESPAN = 8

let kc: Keycloak
let github: GitHubOidc
before(async () => {
  github = await startGitHubOidc()
  kc = await startKeycloak()
  await kc.setClientAttributes(PLAIN.id, { 'access.token.lifespan': String(LIFESPAN) })
  // GitHub federated into the realm, as docs/client-authentication.md sets it up.
  await kc.adminRequest('POST', '/identity-provider/instances', {
    alias: 'github-actions',
    providerId: 'oidc',
    enabled: true,
    hideOnLogin: true,
    config: {
      issuer: github.issuer,
      useJwksUrl: 'true',
      jwksUrl: `${github.issuer}/.well-known/jwks`,
      validateSignature: 'true',
      supportsClientAssertions: 'true'
    }
  })
  await kc.adminRequest('POST', '/clients', {
    clientId: GITHUB_CLIENT,
    enabled: true,
    publicClient: false,
    serviceAccountsEnabled: true,
    standardFlowEnabled: false,
    directAccessGrantsEnabled: false,
    clientAuthenticatorType: 'federated-jwt',
    attributes: {
      'jwt.credential.issuer': 'github-actions',
      'jwt.credential.sub': SUBJECT,
      'access.token.lifespan': String(LIFESPAN)
    }
  })
})
after(async () => {
  await kc.stop()
  await github.close()
})

async function introspect(token: string): Promise<Record<string, unknown>> {
  const response = await fetch(kc.introspectionEndpoint, {
    method: 'POST',
    body: new URLSearchParams({ token, client_id: 'introspector', client_secret: 'introspector-secret' })
  })
  assert.equal(response.status, 200)
  return (await response.json()) as Record<string, unknown>
}

const claims = (jwt: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** Main step, the command before and after expiry, post step; returns the tokens the command printed. */
async function refreshJob(
  job: Job,
  inputs: Record<string, string>,
  clientId: string,
  env: Record<string, string> = {}
): Promise<void> {
  const main = await job.main(inputs, { env })
  assert.equal(main.code, 0, main.stdout + main.stderr)
  // Keycloak answers expires_in as exp minus its clock at the answer: one second less when the request
  // crosses a second boundary, as it does now and then under load.
  assert.ok(
    [String(LIFESPAN), String(LIFESPAN - 1)].includes(main.outputs['expires-in'] ?? ''),
    `expires-in ${main.outputs['expires-in']}, expected the realm's lifespan ${LIFESPAN} (or one second less)`
  )
  const mainToken = main.outputs['access-token'] ?? ''
  const first = await job.run('binarly-token', { env })
  assert.equal(first.code, 0, first.stderr)
  assert.equal(first.stdout.trim(), mainToken)

  const wait = Date.parse(main.outputs['expires-at'] ?? '') - 3000 - Date.now()
  if (wait > 0) await sleep(wait + 200)
  const later = await job.run('binarly-token --json', { env })
  assert.equal(later.code, 0, later.stderr)
  const fresh = JSON.parse(later.stdout) as { access_token: string; expires_in: number }
  assert.notEqual(fresh.access_token, mainToken)
  assert.ok(fresh.expires_in >= 3 && fresh.expires_in <= LIFESPAN)
  assert.equal(claims(fresh.access_token).azp, clientId)
  const active = await introspect(fresh.access_token)
  assert.equal(active.active, true)
  assert.equal(active.client_id, clientId)

  const post = await job.post(inputs, { env })
  assert.equal(post.code, 0, post.stdout + post.stderr)
  assert.deepEqual(post.warnings, [])
  assert.match(post.stdout, /Revoked 1 of the 1 tokens binarly-token minted/)
  assert.equal((await introspect(fresh.access_token)).active, false, 'the minted token is still active')
  // The main step's token: revoked by the post step, or left to expire when the post step ran after its
  // expires-at. expires-at counts from expires_in's whole seconds, so it can be up to a second before
  // Keycloak's exp: in that second the token is still active without the post step having missed anything.
  if ((await introspect(mainToken)).active) {
    const exp = Number(claims(mainToken).exp) * 1000
    assert.ok(
      Date.parse(main.outputs['expires-at'] ?? '') <= Date.now() && Date.now() < exp + 1000,
      "the main step's token is still active, and not in its last second"
    )
    await sleep(exp + 1000 - Date.now())
    assert.equal((await introspect(mainToken)).active, false, "the main step's token outlived its exp")
  }
}

describe('binarly-token at a real Keycloak', () => {
  test('client_secret_post: a new token after expiry; the post step revokes both', async () => {
    const job = startJob()
    try {
      await refreshJob(
        job,
        {
          'auth-url': kc.tokenEndpoint,
          'client-id': PLAIN.id,
          'client-secret': PLAIN.secret,
          'token-command': 'true',
          'min-validity': '3'
        },
        PLAIN.id
      )
      for (const log of job.logs) {
        for (const form of formsOf(PLAIN.secret)) assert.ok(!log.text.includes(form), `secret in ${log.name}`)
      }
      for (const file of [...filesUnder(job.temp), ...filesUnder(job.home), ...filesUnder(job.workspace)]) {
        for (const form of formsOf(PLAIN.secret)) assert.ok(!file.text.includes(form), `secret in ${file.path}`)
      }
    } finally {
      job.close()
    }
  })

  test('github_oidc: the agent presents a new GitHub OIDC token for the new Keycloak token', async () => {
    const job = startJob()
    try {
      const asked = github.requests.length
      await refreshJob(
        job,
        {
          'auth-url': kc.tokenEndpoint,
          'client-id': GITHUB_CLIENT,
          'auth-method': 'github_oidc',
          'token-command': 'true',
          'min-validity': '3'
        },
        GITHUB_CLIENT,
        github.env
      )
      // The main step's exchange, the command's, and one for each revocation (the same client authentication).
      assert.ok(github.requests.length - asked >= 2)
      assert.ok(github.requests.slice(asked).every(r => r.audience === kc.issuer && r.status === 200))
    } finally {
      job.close()
    }
  })
})
