/**
 * `npm run demo`: runs the bundled action exactly as a GitHub runner would (dist/main, then dist/post, with
 * INPUT_* variables and GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STATE / GITHUB_STEP_SUMMARY files) and shows
 * what the workflow would see, masked as the runner masks it.
 *
 * Against an embedded OpenID provider (`oidc-provider` on loopback, with a demo client) by default; against
 * a real Auth URL when BINARLY_AUTH_URL, BINARLY_CLIENT_ID and BINARLY_CLIENT_SECRET are set (in the
 * environment or in a .env file, see .env.example).
 *
 * `npm run demo -- --serve [--port 8765]` only starts the embedded provider and keeps it running, for
 * `npm run local -- .env` (@github/local-action running src/main.ts and src/post.ts; .env.example points at it).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs, parseEnv } from 'node:util'
import { CLIENTS, startOidcServer } from '../__tests__/support/oidc-server.ts'
import { ROOT, runStep, type StepResult } from '../__tests__/support/runner.ts'

/** The port `--serve` listens on by default: the one .env.example names. */
const SERVE_PORT = 8765

const { values: args } = parseArgs({
  options: { serve: { type: 'boolean', default: false }, port: { type: 'string', default: String(SERVE_PORT) } }
})
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
const setting = (name: string): string | undefined => process.env[name] || fileEnv[name] || undefined

const bold = (text: string): string => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text)
const section = (title: string): void => console.log(`\n${bold(`── ${title} `.padEnd(72, '─'))}`)

/**
 * What the runner shows: `::add-mask::` lines (and `::debug::` lines, unless debug logging is on) hidden,
 * every masked value replaced by ***.
 */
function masked(text: string, masks: string[]): string {
  const debug = process.env.RUNNER_DEBUG === '1'
  let out = text
    .split('\n')
    .filter(line => !line.startsWith('::add-mask::') && (debug || !line.startsWith('::debug::')))
    .join('\n')
  for (const mask of [...masks].sort((a, b) => b.length - a.length)) if (mask) out = out.split(mask).join('***')
  return out.trim()
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

const realUrl = setting('BINARLY_AUTH_URL')
const server = realUrl ? undefined : await startOidcServer()
const inputs: Record<string, string> = realUrl
  ? {
      'auth-url': realUrl,
      'client-id': setting('BINARLY_CLIENT_ID') ?? '',
      'client-secret': setting('BINARLY_CLIENT_SECRET') ?? ''
    }
  : {
      'auth-url': server?.issuer ?? '',
      'client-id': CLIENTS.special.id,
      'client-secret': CLIENTS.special.secret,
      scope: 'scan:read'
    }

try {
  console.log(
    realUrl
      ? `Running dist/main/index.js against ${realUrl} (from BINARLY_AUTH_URL).`
      : `Running dist/main/index.js against an embedded OpenID provider at ${server?.issuer}\n(demo client "${CLIENTS.special.id}"; set BINARLY_AUTH_URL, BINARLY_CLIENT_ID and BINARLY_CLIENT_SECRET, or a .env file, to use your own Auth URL).`
  )
  const main = await runStep('main', inputs, { fromDist: true })
  // Secrets come from repository secrets on GitHub, so the runner masks them from the start.
  const masks = [inputs['client-secret'] ?? '', ...main.masks]
  show('main', main, masks)
  if (main.code === 0) {
    const post = await runStep('post', inputs, { state: main.state, fromDist: true })
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
