/** The job summary of a failed step: what was tried, the message, and Markdown that shows text as it is. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { renderFailureSummary, renderSummary, renderTokenAudit } from '../../../src/runner/summary.ts'

const facts = {
  authUrl: 'https://kc.example.com/realms/BinarlyRealm',
  endpoint: 'https://kc.example.com/realms/BinarlyRealm/protocol/openid-connect/token',
  clientId: 'ci_firmware|scans',
  method: 'client_secret_post',
  attempts: 4,
  message: 'Token request to … failed: HTTP 401 unauthorized_client: "Invalid <b>client</b>".\nSecond line.'
}

describe('renderFailureSummary', () => {
  test('lists what was tried, then the message as one inert quoted line (a line break escaped)', () => {
    const markdown = renderFailureSummary(facts)
    assert.equal(
      markdown,
      [
        '### Binarly access token: not obtained',
        '',
        '| | |',
        '|---|---|',
        '| Auth URL | https://kc.example.com/realms/BinarlyRealm |',
        '| Endpoint | https://kc.example.com/realms/BinarlyRealm/protocol/openid-connect/token |',
        '| Client ID | ci\\_firmware\\|scans |',
        '| Client authentication | client\\_secret\\_post |',
        '| Attempts | 4 |',
        '',
        '**What went wrong, and what to change:**',
        '',
        '> Token request to … failed: HTTP 401 unauthorized\\_client: "Invalid \\<b\\>client\\</b\\>".\\\\nSecond line.',
        ''
      ].join('\n')
    )
  })

  test('a step refused at its inputs says so instead of inventing values', () => {
    const markdown = renderFailureSummary({
      authUrl: undefined,
      endpoint: undefined,
      clientId: undefined,
      method: undefined,
      attempts: undefined,
      message: 'client-id: is empty'
    })
    assert.match(markdown, /\| Auth URL \| \(not read: the inputs were refused\) \|/)
    assert.match(markdown, /\| Endpoint \| \(none reached\) \|/)
    assert.match(markdown, /\| Attempts \| \(none\) \|/)
  })

  test('an endpoint known but never sent to (the client assertion could not be made)', () => {
    const markdown = renderFailureSummary({ ...facts, attempts: undefined })
    assert.match(markdown, /\| Attempts \| \(no request was sent to it\) \|/)
  })
})

describe('renderTokenAudit', () => {
  test('one row a token, its cells inert; unknown times said so', () => {
    const markdown = renderTokenAudit([
      { mintedBy: 'main step', mintedAt: '2026-01-01T00:00:00.000Z', expiresAt: undefined, outcome: 'revoked' },
      { mintedBy: 'binarly-token', mintedAt: undefined, expiresAt: undefined, outcome: 'a|b\n##[error]x' }
    ])
    const lines = markdown.split('\n')
    assert.equal(lines[0], '### Binarly tokens of this job')
    assert.ok(lines.includes('| main step | 2026-01-01T00:00:00.000Z | (not stated by the server) | revoked |'))
    assert.ok(
      lines.includes('| binarly-token | (unknown) | (not stated by the server) | a\\|b\\\\n##\\\\\\[error\\]x |'),
      markdown
    )
  })
})

test('renderSummary: an expiry without a lifetime (a reused shared-token) says so', () => {
  const markdown = renderSummary({
    endpoint: 'https://kc.example.com/realms/R/protocol/openid-connect/token',
    clientId: 'ci',
    method: 'client_secret_post',
    token: {
      accessToken: 'never-shown',
      tokenType: 'Bearer',
      expiresIn: undefined,
      expiresAt: new Date('2026-01-01T00:00:00Z'),
      scope: undefined
    },
    source: 'shared-token',
    envVar: undefined
  })
  assert.match(markdown, /\| Expires \| 2026-01-01T00:00:00\.000Z \(in \? s\) \|/)
  assert.ok(!markdown.includes('never-shown'))
})
