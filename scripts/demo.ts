/**
 * `npm run demo`: runs the bundled action exactly as a GitHub runner would (dist/main, then dist/post, with
 * INPUT_* variables and GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STATE / GITHUB_STEP_SUMMARY files) and shows
 * what the workflow would see, masked as the runner masks it.
 *
 * Against an embedded OpenID provider (`oidc-provider` on loopback, with a demo client) by default, or when
 * the Auth URL is the provider's own address (.env.example's); against a real Auth URL when one is set. Every
 * input comes from the environment or a .env file (see .env.example and scripts/demo-settings.ts):
 * `INPUT_<NAME>` as the runner passes it (INPUT_SCOPE, INPUT_CA-CERTIFICATE or INPUT_CA_CERTIFICATE, …; in the
 * environment only the `_` form survives /bin/sh), and BINARLY_AUTH_URL, BINARLY_CLIENT_ID, BINARLY_CLIENT_SECRET.
 *
 * `npm run demo -- --serve [--port 8765]` only starts the embedded provider and keeps it running, for
 * `npm run local -- .env` (@github/local-action running src/main.ts and src/post.ts; .env.example points at it).
 *
 * `npm run demo -- --token-command` runs a job with `token-command: true` against the embedded provider, whose
 * tokens then live TOKEN_COMMAND_TTL seconds: the main step, a later `run:` step that calls binarly-token
 * before and after the first token expires, then the post step; and says what the server saw (exchanges,
 * revocations).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs, parseEnv } from 'node:util'
import { readActionYml } from '../__tests__/support/action-yml.ts'
import { startJob } from '../__tests__/support/job.ts'
import { CLIENTS, startOidcServer } from '../__tests__/support/oidc-server.ts'
import { ROOT, runStep, type StepResult } from '../__tests__/support/runner.ts'
import { planDemo, runnerLog } from './demo-settings.ts'

/** The port `--serve` listens on by default: the one .env.example names. */
const SERVE_PORT = 8765

const { values: args } = parseArgs({
  options: {
    serve: { type: 'boolean', default: false },
    port: { type: 'string', default: String(SERVE_PORT) },
    'token-command': { type: 'boolean', default: false }
  }
})
/** How long the embedded provider's tokens live with --token-command: short, so the demo sees one expire. */
const TOKEN_COMMAND_TTL = 6
if (args.serve) {
  const port = Number(args.port)
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    console.error(`--port ${args.port}: give a TCP port number (1-65535); .env.example expects ${SERVE_PORT}.`)
    process.exit(2)
  }
  await serve(port)
}

/** Starts the embedded provider alone and prints the inputs that reach it, until Ctrl-C. */
async function serve(port: number): Promise<never> {
  const server = await startOidcServer({ port })
  console.log(
    [
      `An OpenID provider is listening at ${server.issuer} (Ctrl-C stops it). Inputs for its demo client, as in .env.example:`,
      '',
      `INPUT_AUTH-URL=${server.issuer}`,
      `INPUT_CLIENT-ID=${CLIENTS.special.id}`,
      `INPUT_CLIENT-SECRET='${CLIENTS.special.secret}'`,
      'INPUT_SCOPE=scan:read',
      '',
      'In another terminal: npm run local -- .env'
    ].join('\n')
  )
  await new Promise(resolve => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await server.close()
  process.exit(0)
}

const dotenv = join(ROOT, '.env')
const fileEnv = existsSync(dotenv) ? parseEnv(readFileSync(dotenv, 'utf8')) : {}
const plan = planDemo(Object.keys(readActionYml().inputs), [process.env, fileEnv], {
  url: `http://127.0.0.1:${SERVE_PORT}`,
  port: SERVE_PORT
})
if (plan.mode === 'missing') {
  console.error(plan.message)
  process.exit(2)
}
/** What the job's environment would hold besides inputs: proxies, extra CAs, debug logging. */
const passThrough = Object.fromEntries(
  [
    'HTTPS_PROXY',
    'https_proxy',
    'HTTP_PROXY',
    'http_proxy',
    'NO_PROXY',
    'no_proxy',
    'NODE_EXTRA_CA_CERTS',
    'RUNNER_DEBUG',
    'ACTIONS_STEP_DEBUG'
  ].map(name => [name, process.env[name] ?? fileEnv[name]])
)

const bold = (text: string): string => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text)
const section = (title: string): void => console.log(`\n${bold(`── ${title} `.padEnd(72, '─'))}`)

/** What the runner shows (scripts/demo-settings.ts), debug lines with RUNNER_DEBUG=1 or ACTIONS_STEP_DEBUG=true. */
function masked(text: string, masks: string[]): string {
  const debug = passThrough.RUNNER_DEBUG === '1' || passThrough.ACTIONS_STEP_DEBUG === 'true'
  return runnerLog(text, masks, debug)
}

function show(step: string, result: StepResult, masks: string[]): void {
  section(`${step}: workflow log (exit code ${result.code})`)
  console.log(masked(result.stdout + result.stderr, masks) || '(nothing)')
  if (step !== 'main') return
  section('Step outputs (steps.<id>.outputs.*)')
  for (const [name, value] of Object.entries(result.outputs)) console.log(`${name.padEnd(14)} ${masked(value, masks)}`)
  section('GITHUB_ENV: what later steps get')
  for (const [name, value] of Object.entries(result.env)) console.log(`${name}=${masked(value, masks)}`)
  section('Job summary')
  console.log(result.summary.trim() || '(none)')
}

if (args['token-command']) {
  if (plan.mode === 'real') {
    console.error(
      `--token-command runs against the embedded provider, whose tokens it makes short-lived: unset the Auth URL (${plan.inputs['auth-url']}) to run it.`
    )
    process.exit(2)
  }
  process.exit(await tokenCommandDemo(plan.overrides, plan.port))
}

/**
 * A job with token-command: true: the main step; a later step that calls binarly-token, waits for the first
 * token to expire and calls it again; the post step. Each step's log as the runner shows it, then what the
 * server saw.
 */
async function tokenCommandDemo(overrides: Record<string, string>, port: number | undefined): Promise<number> {
  const server = await startOidcServer({ port, ttl: TOKEN_COMMAND_TTL })
  const job = startJob()
  const inputs = {
    'auth-url': server.issuer,
    'client-id': CLIENTS.special.id,
    'client-secret': CLIENTS.special.secret,
    scope: 'scan:read',
    ...overrides,
    'token-command': 'true',
    'min-validity': '2'
  }
  try {
    console.log(
      `A job with token-command: true against an embedded OpenID provider at ${server.issuer}, whose tokens live ${TOKEN_COMMAND_TTL} s.`
    )
    const main = await job.main(inputs, { fromDist: true, env: passThrough })
    const masks = [inputs['client-secret'], ...main.masks]
    show('main', main, masks)
    if (main.code !== 0) return main.code ?? 1
    const wait = TOKEN_COMMAND_TTL - 1
    const step = await job.run(
      [
        'echo "First call: $(binarly-token --json)"',
        `echo "Waiting ${wait} s, until the first token has less than the 2 s of min-validity left…"`,
        `sleep ${wait}`,
        'echo "Second call: $(binarly-token --json)"'
      ].join('\n'),
      { env: passThrough as Record<string, string>, name: 'run' }
    )
    masks.push(...step.masks)
    section(`A later run: step, calling binarly-token twice (exit code ${step.code})`)
    console.log(masked(step.visible, masks) || '(nothing)')
    const post = await job.post(inputs, { fromDist: true, env: passThrough })
    show('post (when the job ends)', post, masks)
    section('What the server saw')
    console.log(
      `${server.tokenRequests().length} token requests: the main step's, then one by binarly-token for each token that ran low.`
    )
    const firstExpired = Date.parse(main.outputs['expires-at'] ?? '') <= Date.now()
    for (const [i, token] of server.issuedTokens.entries()) {
      const { active } = await server.introspect(token)
      const what = i === 0 ? "the main step's" : 'minted by binarly-token'
      const state = active
        ? 'still active'
        : i === 0 && firstExpired
          ? 'expired, so the post step had nothing to revoke'
          : 'revoked by the post step'
      console.log(`Token ${i + 1} (${what}): ${state}.`)
    }
    return [step.code, post.code].find(code => code !== 0) ?? 0
  } finally {
    job.close()
    await server.close()
  }
}

const server = plan.mode === 'real' ? undefined : await startOidcServer({ port: plan.port })
const inputs: Record<string, string> =
  plan.mode === 'real'
    ? plan.inputs
    : {
        'auth-url': server?.issuer ?? '',
        'client-id': CLIENTS.special.id,
        'client-secret': CLIENTS.special.secret,
        scope: 'scan:read',
        ...plan.overrides
      }
const realUrl = plan.mode === 'real' ? inputs['auth-url'] : undefined

try {
  console.log(
    realUrl
      ? `Running dist/main/index.js against ${realUrl}, with the inputs ${Object.keys(inputs).join(', ')}.`
      : `Running dist/main/index.js against an embedded OpenID provider at ${server?.issuer}\n(demo client "${CLIENTS.special.id}"; set BINARLY_AUTH_URL, BINARLY_CLIENT_ID and BINARLY_CLIENT_SECRET, or INPUT_* variables (INPUT_CLIENT_SECRET, with _), in the environment or a .env file to use your own Auth URL).`
  )
  const main = await runStep('main', inputs, { fromDist: true, env: passThrough })
  // Secrets come from repository secrets on GitHub, so the runner masks them from the start.
  const masks = [...(plan.mode === 'real' ? plan.secrets : [inputs['client-secret'] ?? '']), ...main.masks]
  show('main', main, masks)
  if (main.code === 0) {
    const post = await runStep('post', inputs, { state: main.state, fromDist: true, env: passThrough })
    show('post (when the job ends)', post, masks)
    if (server) {
      const introspection = await server.introspect(main.outputs['access-token'] ?? '')
      console.log(`\nThe server now says the token is ${introspection.active ? 'still active' : 'inactive (revoked)'}.`)
    }
  }
  process.exitCode = main.code ?? 1
} finally {
  await server?.close()
}
