/** `npm run demo` takes every input from the environment, and says which variable a real Auth URL still needs. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { planDemo, runnerLog, variablesFor } from '../../scripts/demo-settings.ts'
import { readActionYml } from '../support/action-yml.ts'

const INPUTS = Object.keys(readActionYml().inputs)
const URL_ = 'https://kc.example.com/realms/BinarlyRealm'

describe('planDemo', () => {
  test('every input of action.yml can be set as the runner passes it, and with underscores', () => {
    for (const input of INPUTS) {
      const value = `value of ${input}`
      for (const name of variablesFor(input)) {
        const plan = planDemo(INPUTS, [{ [name]: value }])
        const given = plan.mode === 'embedded' ? plan.overrides : plan.mode === 'real' ? plan.inputs : {}
        if (plan.mode !== 'missing') assert.equal(given[input], value, `${name} → ${input}`)
      }
    }
    assert.deepEqual(variablesFor('ca-certificate'), ['INPUT_CA-CERTIFICATE', 'INPUT_CA_CERTIFICATE'])
    assert.deepEqual(variablesFor('auth-url'), ['INPUT_AUTH-URL', 'INPUT_AUTH_URL', 'BINARLY_AUTH_URL'])
  })

  test('every input has a name a shell can pass on, and that name is what the messages suggest', () => {
    for (const input of INPUTS)
      assert.ok(
        variablesFor(input).some(name => /^[A-Z_][A-Z0-9_]*$/.test(name)),
        input
      )
    const plan = planDemo(INPUTS, [{ INPUT_AUTH_URL: URL_, INPUT_CLIENT_ID: 'ci', INPUT_CLIENT_SECRET: 's' }])
    assert.ok(plan.mode === 'real' && plan.inputs['client-secret'] === 's')
    const missing = planDemo(INPUTS, [{ INPUT_AUTH_URL: URL_ }])
    assert.ok(missing.mode === 'missing' && !missing.message.includes('-ID'), missing.mode)
  })

  test('a real Auth URL with its credentials: those inputs, secrets to mask', () => {
    const plan = planDemo(INPUTS, [
      { BINARLY_AUTH_URL: URL_, BINARLY_CLIENT_ID: 'ci', INPUT_SCOPE: 'scan:read' },
      { BINARLY_CLIENT_SECRET: 's3cret', BINARLY_CLIENT_ID: 'from-file' }
    ])
    assert.deepEqual(plan, {
      mode: 'real',
      inputs: { 'auth-url': URL_, 'client-id': 'ci', 'client-secret': 's3cret', scope: 'scan:read' },
      secrets: ['s3cret']
    })
  })

  test('the environment wins over .env; an empty value counts as unset', () => {
    const plan = planDemo(INPUTS, [{ BINARLY_AUTH_URL: '' }, { BINARLY_AUTH_URL: URL_, BINARLY_CLIENT_ID: 'ci' }])
    assert.equal(plan.mode, 'missing')
  })

  test('only the URL: names the client ID variable and the secret variable', () => {
    const plan = planDemo(INPUTS, [{ BINARLY_AUTH_URL: URL_ }])
    assert.deepEqual(plan, {
      mode: 'missing',
      message: `The demo against ${URL_} (auth-method client_secret_post) needs INPUT_CLIENT_ID or BINARLY_CLIENT_ID, and INPUT_CLIENT_SECRET or BINARLY_CLIENT_SECRET: set them in the environment or in .env (see .env.example).`
    })
  })

  test('private_key_jwt needs the key, not a secret; github_oidc needs only the client ID', () => {
    const jwt = planDemo(INPUTS, [
      { BINARLY_AUTH_URL: URL_, BINARLY_CLIENT_ID: 'ci', 'INPUT_AUTH-METHOD': 'private_key_jwt' }
    ])
    assert.ok(jwt.mode === 'missing' && /needs INPUT_PRIVATE_KEY:/.test(jwt.message))
    const key = '-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----'
    const withKey = planDemo(INPUTS, [
      { BINARLY_AUTH_URL: URL_, BINARLY_CLIENT_ID: 'ci', INPUT_AUTH_METHOD: 'private_key_jwt', INPUT_PRIVATE_KEY: key }
    ])
    assert.ok(withKey.mode === 'real')
    assert.deepEqual(withKey.secrets, [key])
    assert.equal(
      planDemo(INPUTS, [{ BINARLY_AUTH_URL: URL_, BINARLY_CLIENT_ID: 'ci', INPUT_AUTH_METHOD: 'github_oidc' }]).mode,
      'real'
    )
  })

  test('credentials without a URL: names the URL variable instead of using them on the demo server', () => {
    const plan = planDemo(INPUTS, [{ BINARLY_CLIENT_ID: 'ci', BINARLY_CLIENT_SECRET: 's' }])
    assert.ok(plan.mode === 'missing')
    assert.match(
      plan.message,
      /^client-id, client-secret are set but no Auth URL: set INPUT_AUTH_URL or BINARLY_AUTH_URL in/
    )
  })

  test(".env.example's Auth URL is the embedded server's own address: embedded, on that port, its inputs on top", () => {
    const embedded = { url: 'http://127.0.0.1:8765', port: 8765 }
    const plan = planDemo(
      INPUTS,
      [{ 'INPUT_AUTH-URL': 'http://127.0.0.1:8765/', 'INPUT_CLIENT-ID': 'ci:special id', INPUT_SCOPE: 'scan:read' }],
      embedded
    )
    assert.deepEqual(plan, {
      mode: 'embedded',
      overrides: { 'client-id': 'ci:special id', scope: 'scan:read' },
      port: 8765
    })
    assert.equal(planDemo(INPUTS, [{ BINARLY_AUTH_URL: URL_, BINARLY_CLIENT_ID: 'ci' }], embedded).mode, 'missing')
  })

  test('no URL and no credentials: the embedded server, with any other input on top', () => {
    assert.deepEqual(planDemo(INPUTS, [{ INPUT_RETRIES: '0' }, {}]), { mode: 'embedded', overrides: { retries: '0' } })
  })
})

describe('runnerLog', () => {
  test('shows commands as the runner does: unescaped, masks hidden, debug only when asked', () => {
    const stdout = [
      '::add-mask::s3cret',
      'Requesting a token for client "ci".',
      '::debug::POST https://kc/a%2520b/token',
      '::error::binarly-m2m-auth: Token request to https://kc/a%2520b/token failed: s3cret%0Anext line',
      '::warning file=x::careful'
    ].join('\n')
    assert.equal(
      runnerLog(stdout, ['s3cret'], false),
      'Requesting a token for client "ci".\nError: binarly-m2m-auth: Token request to https://kc/a%20b/token failed: ***\nnext line\nWarning: careful'
    )
    assert.match(runnerLog(stdout, [], true), /^##\[debug\]POST https:\/\/kc\/a%20b\/token$/m)
  })
})
