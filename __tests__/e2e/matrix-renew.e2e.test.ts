/**
 * A shared token and `binarly-token --renew` (issue 27): two jobs of a matrix, run as the runner runs them,
 * the first with share: true, the second with its shared-token, both with token-command: true. The API
 * refuses the shared token in the first job, which renews it: the agent replaces it for that job only (a new
 * exchange) and never revokes it, so the second job keeps working with it; the token audit says so.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { ok, startJob, type Job } from '../support/job.ts'
import { CLIENTS, startOidcServer, type OidcServer } from '../support/oidc-server.ts'
import { assertOwnCommands } from '../support/runner-commands.ts'

let server: OidcServer
before(async () => {
  server = await startOidcServer({ ttl: 600 })
})
after(() => server.close())

const inputs = (extra: Record<string, string>): Record<string, string> => ({
  'auth-url': server.issuer,
  'client-id': CLIENTS.post.id,
  'client-secret': CLIENTS.post.secret,
  'token-command': 'true',
  ...extra
})

const auditRows = (summary: string): string[] => summary.split('\n').filter(line => /^\| [a-z]/.test(line))

test('a renewal in one job replaces the shared token for that job only; the other job keeps using it', async () => {
  const first: Job = startJob()
  const second: Job = startJob()
  try {
    const sharing = await first.main(inputs({ share: 'true' }))
    assert.equal(sharing.code, 0, sharing.stdout + sharing.stderr)
    const shared = sharing.outputs['access-token'] ?? ''
    const reusing = await second.main(inputs({ 'shared-token': sharing.outputs['shared-token'] ?? '' }))
    assert.equal(reusing.code, 0, reusing.stdout + reusing.stderr)
    assert.equal(reusing.outputs['access-token'], shared)

    // The API refused the shared token in the first job (say, a 401 from a cold replica): it renews it.
    const renewed = ok(
      await first.run('printf \'%s\\n\' "$BINARLY_ACCESS_TOKEN" | binarly-token --renew')
    ).stdout.trim()
    assert.notEqual(renewed, shared)
    assert.equal((await server.introspect(shared)).active, true, 'the renewal revoked the token the matrix shares')
    assert.equal(ok(await first.run('binarly-token')).stdout.trim(), renewed)
    // The second job goes on with the shared token.
    assert.equal(ok(await second.run('binarly-token')).stdout.trim(), shared)

    const firstPost = await first.post(inputs({ share: 'true' }))
    assert.equal(firstPost.code, 0, firstPost.stdout + firstPost.stderr)
    assert.deepEqual(firstPost.warnings, [], firstPost.stdout + firstPost.summary)
    assertOwnCommands(firstPost)
    assert.equal((await server.introspect(renewed)).active, false, 'the renewal’s own token is still active')
    assert.equal((await server.introspect(shared)).active, true, 'the first job’s post step revoked the shared token')
    const rows = auditRows(firstPost.summary)
    assert.equal(rows.length, 2, firstPost.summary)
    assert.match(
      rows[0] ?? '',
      /^\| main step \| .* \| not revoked: shared with other jobs of this run; binarly-token --renew replaced it for this job only \|$/
    )
    assert.match(rows[1] ?? '', /^\| renewal of the shared token \| .* \| revoked \|$/)

    // Still usable in the second job after the first one ended.
    assert.equal(ok(await second.run('binarly-token')).stdout.trim(), shared)
    const secondPost = await second.post(inputs({ 'shared-token': sharing.outputs['shared-token'] ?? '' }))
    assert.equal(secondPost.code, 0, secondPost.stdout + secondPost.stderr)
    assert.equal((await server.introspect(shared)).active, true)
  } finally {
    first.close()
    second.close()
  }
})
