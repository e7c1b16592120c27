/**
 * `npm run demo -- --token-command`: a whole job with binarly-token against the embedded provider, as a
 * newcomer runs it. Every step's log masked, one exchange when the first token runs out, every token the
 * post step can revoke revoked, and none of the runner's plumbing (`::add-path::`) or a dead agent in sight.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { test } from 'node:test'
import { ROOT } from '../support/runner.ts'

test('the token-command demo: main step, binarly-token across an expiry, post step', () => {
  // The demo reads BINARLY_* and INPUT_* settings; a developer's own must not turn it to their realm here.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(BINARLY_|INPUT_)/.test(name))
  ) as Record<string, string>
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/demo.ts'), '--token-command'], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 90_000
  })
  const out = run.stdout + run.stderr
  assert.equal(run.status, 0, out)
  assert.match(out, /^First call: \{"access_token":"\*\*\*","token_type":"Bearer","expires_in":\d/m)
  assert.match(out, /^Second call: \{"access_token":"\*\*\*","token_type":"Bearer","expires_in":\d/m)
  assert.match(out, /^2 token requests: the main step's, then one by binarly-token/m)
  // The main step's token has under 2 s left when the post step runs: it may expire first, or be revoked.
  assert.match(
    out,
    /^Token 1 \(the main step's\): (expired, so the post step had nothing to revoke|revoked by the post step)\.$/m
  )
  assert.match(out, /^Token 2 \(minted by binarly-token\): revoked by the post step\.$/m)
  assert.match(out, /Revoked 1 of the 1 tokens binarly-token minted/)
  assert.doesNotMatch(out, /::(add-path|add-mask|set-output)::/)
  assert.doesNotMatch(out, /is gone|not running/)
  // oidc-provider's tokens are 43 base64url characters: none may show.
  assert.doesNotMatch(out, /[A-Za-z0-9_-]{40,}/)
})
