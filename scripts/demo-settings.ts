/**
 * What `npm run demo` runs with, from the environment and a `.env` file, and how it shows a step's log.
 * Pure, so that a test holds it to action.yml.
 *
 * Every input of action.yml can be given as the runner passes it, `INPUT_<NAME>` (`INPUT_AUTH-URL`), or with
 * underscores (`INPUT_AUTH_URL`), and the three values of the README also as BINARLY_AUTH_URL, BINARLY_CLIENT_ID
 * and BINARLY_CLIENT_SECRET. The environment wins over the file. In the environment only the underscore form
 * arrives: a shell cannot set a name with `-`, and `npm run` starts the demo through /bin/sh, which drops such
 * names from the environment; so the messages name the underscore form (and BINARLY_*), which works everywhere.
 */

/** Names a value can come from, for one input: the runner's `INPUT_` form first. */
export function variablesFor(input: string): string[] {
  const upper = input.toUpperCase()
  const names = [`INPUT_${upper}`]
  if (upper.includes('-')) names.push(`INPUT_${upper.replace(/-/g, '_')}`)
  const alias = ALIASES[input]
  if (alias) names.push(alias)
  return names
}

const ALIASES: Record<string, string> = {
  'auth-url': 'BINARLY_AUTH_URL',
  'client-id': 'BINARLY_CLIENT_ID',
  'client-secret': 'BINARLY_CLIENT_SECRET'
}

/** The names to suggest for an input: the ones that survive a shell (no `-`). */
function suggested(input: string): string {
  return variablesFor(input)
    .filter(name => !name.includes('-'))
    .join(' or ')
}

/** Methods and the input holding each one's credential (github_oidc has none, and cannot run off GitHub). */
const CREDENTIAL_OF: Record<string, string | undefined> = {
  client_secret_post: 'client-secret',
  client_secret_basic: 'client-secret',
  client_secret_jwt: 'client-secret',
  private_key_jwt: 'private-key'
}

export type DemoPlan =
  /** Against the Auth URL the settings name, with exactly the inputs they give. */
  | { mode: 'real'; inputs: Record<string, string>; secrets: string[] }
  /**
   * Against the embedded provider: its demo inputs, with any input the settings give on top; on `port` when
   * the settings name the provider's own address (.env.example does, for `npm run demo -- --serve`).
   */
  | { mode: 'embedded'; overrides: Record<string, string>; port?: number }
  /** A real Auth URL, and something it needs is missing: what to set. */
  | { mode: 'missing'; message: string }

/**
 * @param inputNames the inputs of action.yml
 * @param settings the environment, then the .env file: first non-empty value wins
 * @param embedded the address of the embedded provider of `npm run demo -- --serve`, and its port
 */
export function planDemo(
  inputNames: readonly string[],
  settings: readonly Record<string, string | undefined>[],
  embedded?: { url: string; port: number }
): DemoPlan {
  const given: Record<string, string> = {}
  for (const input of inputNames) {
    for (const source of settings) {
      const value = variablesFor(input)
        .map(name => source[name])
        .find(v => v !== undefined && v !== '')
      if (value !== undefined) {
        given[input] = value
        break
      }
    }
  }
  if (embedded && given['auth-url']?.replace(/\/+$/, '') === embedded.url) {
    const overrides = Object.fromEntries(Object.entries(given).filter(([name]) => name !== 'auth-url'))
    return { mode: 'embedded', overrides, port: embedded.port }
  }
  if (!given['auth-url']) {
    // Credentials without a URL are meant for a real server whose URL was forgotten, not for the demo client.
    const credentials = ['client-id', 'client-secret', 'private-key'].filter(name => given[name])
    if (credentials.length > 0) {
      return {
        mode: 'missing',
        message: `${credentials.join(', ')} ${credentials.length > 1 ? 'are' : 'is'} set but no Auth URL: set ${suggested('auth-url')} in the environment or in .env (see .env.example), or unset them to run against the embedded demo server.`
      }
    }
    return { mode: 'embedded', overrides: given }
  }

  const method = given['auth-method'] ?? 'client_secret_post'
  const needed = ['client-id', CREDENTIAL_OF[method]].filter((name): name is string => !!name && !given[name])
  if (needed.length > 0) {
    const what = needed.map(suggested).join(', and ')
    return {
      mode: 'missing',
      message: `The demo against ${given['auth-url']} (auth-method ${method}) needs ${what}: set ${needed.length > 1 ? 'them' : 'it'} in the environment or in .env (see .env.example).`
    }
  }
  // On GitHub these come from secrets, which the runner masks from the start.
  const secrets = ['client-secret', 'private-key', 'share-passphrase'].flatMap(name => given[name] ?? [])
  return { mode: 'real', inputs: given, secrets }
}

/**
 * A step's stdout as the runner shows it: `::add-mask::` lines hidden, `::debug::` lines only with debug
 * logging, `::error::` / `::warning::` / `::notice::` as `Error:` / `Warning:` / `Notice:` with their text
 * unescaped (so a URL reads as sent: %20, not %2520), and every masked value replaced by ***.
 */
export function runnerLog(text: string, masks: readonly string[], debug: boolean): string {
  const lines: string[] = []
  for (const line of text.split('\n')) {
    const command = /^::(add-mask|debug|error|warning|notice)(?: [^:]*)?::(.*)$/.exec(line)
    if (!command) {
      lines.push(line)
      continue
    }
    const [, name = '', data = ''] = command
    const message = unescapeData(data)
    if (name === 'add-mask') continue
    if (name === 'debug') {
      if (debug) lines.push(`##[debug]${message}`)
      continue
    }
    lines.push(`${name[0]?.toUpperCase() ?? ''}${name.slice(1)}: ${message}`)
  }
  let out = lines.join('\n')
  for (const mask of [...masks].sort((a, b) => b.length - a.length)) if (mask) out = out.split(mask).join('***')
  return out.trim()
}

/** The runner's unescaping of a workflow command's data. */
function unescapeData(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
}
