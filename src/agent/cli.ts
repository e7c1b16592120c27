/**
 * `binarly-token`: prints an access token from this job's token agent. stdout gets the bare token (or, with
 * `--json`, one JSON object) and nothing else; the token is masked on stderr (`::add-mask::`) first. A
 * failure is one line on stderr, a non-zero exit code and an empty stdout, so `$(binarly-token)` under
 * `set -e` fails cleanly. Node built-ins only: a cached call costs little more than starting Node.
 */
import { parseArgs } from 'node:util'
import { askAgent } from './client.js'
import { AGENT_DIR_VARIABLE, MAX_MIN_VALIDITY, type TokenAnswer } from './protocol.js'
import { printable } from '../common/server-text.js'

export interface CommandIO {
  stdout(text: string): void
  stderr(text: string): void
  /** All of standard input (read only for --renew). */
  stdin(): Promise<string>
  now(): number
}

export const USAGE = `Usage: binarly-token [--min-validity SECONDS] [--json] [--renew]

Prints an access token of this job (from binarly-m2m-auth with token-command: true) that is valid for at
least SECONDS more (default: the action's min-validity input), getting a new one when needed.
  --min-validity SECONDS  how long the token must still be valid (0 to 86400)
  --json                  print {"access_token","token_type","expires_in","expires_at","scope"}
  --renew                 the API refused the token given on standard input (HTTP 401): replace it
                          (printf '%s\\n' "$token" | binarly-token --renew)
`

const OPTIONS = {
  'min-validity': { type: 'string' },
  json: { type: 'boolean' },
  renew: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' }
} as const
type Options = { 'min-validity'?: string; json?: boolean; renew?: boolean; help?: boolean }

const NOT_REPEATED = 'what was given is not repeated here: it could be a token'

/**
 * The options of argv, or what is wrong with them. What is wrong is said by the argument's position, never by
 * its text (as Node's strict parseArgs messages do): an argument can be a token pasted in the wrong place, and
 * stderr goes to the log. A token belongs on standard input, never in argv.
 */
function parseOptions(argv: string[]): Options | string {
  const { values, tokens } = parseArgs({
    args: argv,
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true
  })
  for (const token of tokens) {
    const where = `argument ${token.index + 1}`
    if (token.kind === 'positional') {
      return `${where} is not an option, and binarly-token takes nothing else (${NOT_REPEATED}). A token the API refused goes on standard input: printf '%s\\n' "$token" | binarly-token --renew`
    }
    if (token.kind !== 'option') continue
    const known = Object.hasOwn(OPTIONS, token.name) ? OPTIONS[token.name as keyof typeof OPTIONS] : undefined
    if (!known) return `${where} is not an option binarly-token knows (${NOT_REPEATED}); its options are below.`
    if (known.type === 'string' && token.value === undefined) {
      return `--min-validity (${where}) needs its value: --min-validity SECONDS.`
    }
    if (known.type === 'boolean' && token.value !== undefined) {
      return `--${token.name} (${where}) takes no value (${NOT_REPEATED}).`
    }
  }
  return values as Options
}

/** Workflow command escaping (as @actions/core does for `::add-mask::`). */
function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

/** Runs the command; resolves with the exit code. */
export async function runTokenCommand(argv: string[], env: NodeJS.ProcessEnv, io: CommandIO): Promise<number> {
  const fail = (message: string, code = 1): number => {
    io.stderr(`binarly-token: ${message}\n`)
    return code
  }
  const options = parseOptions(argv)
  if (typeof options === 'string') return fail(`${options}\n${USAGE}`, 2)
  if (options.help) {
    io.stdout(USAGE)
    return 0
  }
  let minValidity: number | undefined
  if (options['min-validity'] !== undefined) {
    const raw = options['min-validity'].trim()
    minValidity = Number(raw)
    if (raw === '' || !Number.isInteger(minValidity) || minValidity < 0 || minValidity > MAX_MIN_VALIDITY) {
      return fail(`--min-validity takes a whole number of seconds from 0 to 86400 (${NOT_REPEATED}).`, 2)
    }
  }
  let refused: string | undefined
  if (options.renew) {
    // From standard input, never argv: every process of the machine can read another's arguments.
    refused = (await io.stdin()).trim()
    if (!refused || /\s/.test(refused)) {
      return fail(
        `--renew reads the refused token, and nothing else, on standard input: printf '%s\\n' "$token" | binarly-token --renew`,
        2
      )
    }
  }
  const dir = env[AGENT_DIR_VARIABLE]
  if (!dir) {
    return fail(
      `${AGENT_DIR_VARIABLE} is not set: run binarly-token as the action put it on PATH (or as $BINARLY_TOKEN_COMMAND), in a step after binarly-m2m-auth with token-command: true.`
    )
  }

  let answer: TokenAnswer
  try {
    const asked = minValidity === undefined ? {} : { minValidity }
    answer = await askAgent<TokenAnswer>(
      dir,
      refused === undefined ? { op: 'token', ...asked } : { op: 'renew', refused, ...asked }
    )
  } catch (error) {
    return fail((error as Error).message)
  }
  // What the agent says is printed inert: whatever listens at its socket could have said it.
  if (!answer.ok) return fail(printable(answer.error, 4000))

  const { token } = answer
  io.stderr(`::add-mask::${escapeData(token.access_token)}\n`)
  // With debug logging on (the runner sets RUNNER_DEBUG), say where the token came from.
  if (env.RUNNER_DEBUG === '1') {
    io.stderr(
      `::debug::binarly-token: ${answer.fresh ? 'a new token' : 'the current token'}, valid until ${token.expires_at === null ? 'the server did not say' : printable(token.expires_at, 100)}\n`
    )
  }
  if (answer.shortLived !== undefined) {
    io.stderr(
      `::warning::binarly-token: this token is valid for less than the ${answer.minValidity} s asked: the server issues tokens that live ${answer.shortLived} s. Ask for less with --min-validity (or the action's min-validity input), or have the realm's access token lifespan raised.\n`
    )
  }
  if (!options.json) {
    io.stdout(`${token.access_token}\n`)
    return 0
  }
  const expiresAt = token.expires_at === null ? null : Date.parse(token.expires_at)
  io.stdout(
    `${JSON.stringify({
      access_token: token.access_token,
      token_type: token.token_type,
      expires_in: expiresAt === null ? null : Math.max(0, Math.floor((expiresAt - io.now()) / 1000)),
      expires_at: token.expires_at,
      scope: token.scope
    })}\n`
  )
  return 0
}
