/**
 * The modules the bundled entrypoints (src/entrypoints/*.ts) call `run()` from are what @github/local-action
 * and tests import (main, post; and agent and token, the token-command's programs): importing one must do
 * nothing. Each is imported in a fresh Node process whose
 * environment would make a step act at once (inputs, saved state, a server to call, the runner's files), and
 * nothing may happen: no output, no file written, no connection.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { test } from 'node:test'
import { ROOT } from '../support/bundles.ts'

/** `src/<name>.ts` for each `import { run } from '../<name>.js'` of an entrypoint. */
function entryModules(): string[] {
  const dir = join(ROOT, 'src/entrypoints')
  return readdirSync(dir)
    .filter(file => file.endsWith('.ts'))
    .map(file => {
      const source = readFileSync(join(dir, file), 'utf8')
      const from = /import \{ run \} from '\.\.\/([\w/-]+)\.js'/.exec(source)?.[1]
      assert.ok(from, `src/entrypoints/${file} should import run() from a module of src/ and call it`)
      return join(ROOT, 'src', `${from}.ts`)
    })
}

test('the entrypoints call run() of src/main.ts, src/post.ts, src/agent/process.ts, src/agent/command.ts and src/scan.ts', () => {
  assert.deepEqual(
    entryModules().sort(),
    ['agent/command', 'agent/process', 'main', 'post', 'scan'].map(name => join(ROOT, 'src', `${name}.ts`))
  )
})

for (const module of entryModules()) {
  const name = module.slice(ROOT.length)
  test(`importing ${name} has no side effect, and it exports run()`, async t => {
    const connections: string[] = []
    const server = createServer(socket => {
      connections.push('connection')
      socket.destroy()
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    t.after(() => server.close())
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const dir = mkdtempSync(join(tmpdir(), 'binarly-import-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const files = ['output', 'env', 'state', 'summary'].map(file => join(dir, file))
    for (const file of files) writeFileSync(file, '')
    const [output, envFile, state, summary] = files as [string, string, string, string]

    // Import, let any stray timer or promise run, then print only what the module exports.
    const script = `const m = await import(${JSON.stringify(pathToFileURL(module).href)});
await new Promise(resolve => setTimeout(resolve, 300));
process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, typeof v]))))`
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? dir,
        GITHUB_ACTIONS: 'true',
        GITHUB_OUTPUT: output,
        GITHUB_ENV: envFile,
        GITHUB_STATE: state,
        GITHUB_STEP_SUMMARY: summary,
        RUNNER_TEMP: dir,
        'INPUT_AUTH-URL': url,
        'INPUT_CLIENT-ID': 'import-test',
        'INPUT_CLIENT-SECRET': 'import-test-secret',
        STATE_token: 'import-test-token',
        'STATE_token-endpoint': `${url}/token`,
        'STATE_revocation-endpoint': `${url}/revoke`,
        ...(process.env.NODE_V8_COVERAGE ? { NODE_V8_COVERAGE: process.env.NODE_V8_COVERAGE } : {})
      },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const code = await new Promise<number | null>(resolve => child.on('close', resolve))

    assert.equal(stderr, '', `importing ${name} wrote to stderr`)
    assert.equal(code, 0)
    assert.deepEqual(
      JSON.parse(stdout),
      { run: 'function' },
      `importing ${name} printed something, or its exports changed`
    )
    for (const file of files) assert.equal(readFileSync(file, 'utf8'), '', `importing ${name} wrote ${file}`)
    assert.deepEqual(connections, [], `importing ${name} connected to the Auth URL`)
  })
}
