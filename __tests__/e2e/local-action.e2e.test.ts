/**
 * `npm run local -- .env` as a contributor runs it on a fresh clone: GitHub's @github/local-action runs
 * src/main.ts, then src/post.ts (TypeScript, ESM, with its own stand-in for @actions/core), with the inputs of
 * .env.example, against the embedded OpenID provider. What the user sees: the token obtained and revoked,
 * the outputs, and neither the token nor the client secret anywhere in what it printed or wrote.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { parseEnv } from 'node:util'
import { test } from 'node:test'
import { formsOf } from '../support/leaks.ts'
import { startOidcServer } from '../support/oidc-server.ts'
import { NODE24, ROOT } from '../support/runner.ts'

/** The `::set-output name=<name>::<value>` lines local-action prints for the outputs it accepted. */
function outputsIn(log: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  for (const [, name, value] of log.matchAll(/^::set-output name=([\w-]+)::(.*)$/gm)) {
    outputs[name as string] = value as string
  }
  return outputs
}

/** Runs `npm run local -- <dotenv>` as a contributor would, in a clean environment; returns what it printed. */
async function runLocal(dotenv: string): Promise<{ code: number | null; log: string }> {
  // Nothing of a runner this suite may itself run on (GITHUB_*, RUNNER_*) leaks in.
  const child = spawn('npm', ['run', '-s', 'local', '--', dotenv], {
    cwd: ROOT,
    env: {
      PATH: `${dirname(NODE24)}:${process.env.PATH ?? ''}`,
      HOME: process.env.HOME ?? dirname(dotenv),
      ...(process.env.NODE_V8_COVERAGE ? { NODE_V8_COVERAGE: process.env.NODE_V8_COVERAGE } : {})
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const killer = setTimeout(() => child.kill('SIGKILL'), 120_000)
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  clearTimeout(killer)
  return { code, log: stdout + stderr }
}

test('npm run local -- .env: local-action runs main and post with .env.example; token masked, outputs set, token revoked', async t => {
  const server = await startOidcServer()
  t.after(() => server.close())
  const dir = mkdtempSync(join(tmpdir(), 'binarly-local-action-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))

  // .env.example as a contributor copies it, but for the port (that of `npm run demo -- --serve`).
  const example = readFileSync(join(ROOT, '.env.example'), 'utf8')
  const servePort = /const SERVE_PORT = (\d+)/.exec(readFileSync(join(ROOT, 'scripts/demo.ts'), 'utf8'))?.[1]
  assert.ok(example.includes(`\nINPUT_AUTH-URL=http://127.0.0.1:${servePort}\n`), '.env.example names the demo server')
  const inputs = parseEnv(example)
  const secret = inputs['INPUT_CLIENT-SECRET'] ?? ''
  assert.ok(secret.length > 8, '.env.example names a client secret')
  const summary = join(dir, 'summary.md')
  writeFileSync(summary, '')
  const dotenv = join(dir, '.env')
  writeFileSync(
    dotenv,
    `${example.replace(/^INPUT_AUTH-URL=.*$/m, `INPUT_AUTH-URL=${server.issuer}`)}\nGITHUB_STEP_SUMMARY=${summary}\n`
  )

  const { code, log } = await runLocal(dotenv)
  assert.equal(code, 0, log)

  // The exchange happened once, through local-action's toolkit (its `::info::` lines), and the post step ran.
  assert.equal(server.issuedTokens.length, 1, 'one token issued')
  const token = server.issuedTokens[0] ?? ''
  assert.match(log, /::info::Got a Bearer token valid until \S+ with scope "scan:read"/)
  assert.match(log, /Running Post Step/)
  assert.ok(log.includes(`::info::Revoked the access token at ${server.issuer}/token/revocation.`), log)
  assert.equal((await server.introspect(token)).active, false, 'the post step revoked the token')

  // Masked before it was output: local-action refuses an output holding a registered secret.
  assert.match(log, /::warning::Skip output access-token since it may contain secret\./)
  const outputs = outputsIn(log)
  assert.deepEqual(Object.keys(outputs).sort(), ['expires-at', 'expires-in', 'scope', 'token-type'])
  assert.equal(outputs['token-type'], 'Bearer')
  assert.equal(outputs['expires-in'], '1800')
  assert.equal(outputs.scope, 'scan:read')
  assert.ok(Date.parse(outputs['expires-at'] ?? '') > Date.now(), outputs['expires-at'])
  assert.match(readFileSync(summary, 'utf8'), /scan:read/)

  const written = { log, summary: readFileSync(summary, 'utf8') }
  for (const [place, text] of Object.entries(written)) {
    assert.ok(!text.includes(token), `the token appears in the ${place}`)
    for (const form of formsOf(secret)) assert.ok(!text.includes(form), `the client secret leaked into the ${place}`)
  }
})

test('npm run local -- .env with a wrong secret: the error says what to change, and neither secret shows', async t => {
  const server = await startOidcServer()
  t.after(() => server.close())
  const dir = mkdtempSync(join(tmpdir(), 'binarly-local-action-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const wrong = 'wrong-secret-0123456789'
  const dotenv = join(dir, '.env')
  const example = readFileSync(join(ROOT, '.env.example'), 'utf8')
  writeFileSync(
    dotenv,
    example
      .replace(/^INPUT_AUTH-URL=.*$/m, `INPUT_AUTH-URL=${server.issuer}`)
      .replace(/^INPUT_CLIENT-SECRET=.*$/m, `INPUT_CLIENT-SECRET=${wrong}`)
  )

  // local-action shows setFailed as an ::error:: line (7.0.1 still exits 0), and runs the post step anyway.
  const { log } = await runLocal(dotenv)
  assert.match(
    log,
    /::error::binarly-m2m-auth: Token request to \S+ for client "ci:special id" failed: HTTP 401 invalid_client/
  )
  assert.match(log, /Credentials tab/)
  assert.equal(server.issuedTokens.length, 0)
  assert.ok(!log.includes('Revoked the access token'), log)
  for (const secret of [wrong, parseEnv(example)['INPUT_CLIENT-SECRET'] ?? '']) {
    for (const form of formsOf(secret)) assert.ok(!log.includes(form), 'a client secret leaked into the log')
  }
})
