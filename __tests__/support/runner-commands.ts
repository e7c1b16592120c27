/**
 * The workflow commands the GitHub runner would act on in a step's output, found with the runner's own rules
 * (actions/runner: OutputManager hands every line of stdout and of stderr to ActionCommandManager, which tries
 * `TryParseV2` and then `TryParse`): a line is cut at LF, CRLF and a bare CR; `::name …::data` is a command
 * only at the start of the line once leading white space is trimmed; `##[name …]data` is a command wherever
 * `##[` first occurs in the line; the name must be one the runner knows (case-insensitive), or the
 * `stop-commands` token while commands are stopped, which resumes them. Between `stop-commands` and its
 * token nothing else is a command. Tests use it to fail on any command the action did not mean to issue.
 */
import assert from 'node:assert/strict'

/** The commands a runner registers (ActionCommandManager and its extensions), lower-cased. */
export const RUNNER_COMMANDS: readonly string[] = [
  'stop-commands',
  'set-env',
  'set-output',
  'save-state',
  'add-mask',
  'add-path',
  'add-matcher',
  'remove-matcher',
  'debug',
  'warning',
  'error',
  'notice',
  'group',
  'endgroup',
  'echo'
]

/** What the action itself prints through @actions/core: nothing that changes the job but the log and masks. */
export const ACTION_COMMANDS: readonly string[] = [
  'add-mask',
  'debug',
  'warning',
  'error',
  'notice',
  'group',
  'endgroup'
]

export interface RunnerCommand {
  /** `::` (TryParseV2, start of the line only) or `##[` (TryParse, anywhere in the line). */
  form: '::' | '##['
  /** As written (the runner compares names case-insensitively). */
  name: string
  properties: Record<string, string>
  /** Unescaped as the runner unescapes it. */
  data: string
  /** The whole line, for failure messages. */
  line: string
}

/** Lines as the runner's StreamReader.ReadLine gives them: cut at CRLF, LF and a bare CR. */
export function runnerLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/)
}

/** .NET's TrimStart(): char.IsWhiteSpace, which (unlike JavaScript's \s) leaves U+FEFF alone. */
const LEADING_SPACE = /^[^\S\uFEFF]+/

const unescapeWith =
  (pairs: readonly (readonly [string, string])[]) =>
  (text: string): string => {
    let result = text
    for (const [token, replacement] of pairs) result = result.split(replacement).join(token)
    return result
  }
/** ActionCommand's three escape tables, applied in the runner's order. */
const unescapeLegacy = unescapeWith([
  [';', '%3B'],
  ['\r', '%0D'],
  ['\n', '%0A'],
  [']', '%5D'],
  ['%', '%25']
])
const unescapeData = unescapeWith([
  ['\r', '%0D'],
  ['\n', '%0A'],
  ['%', '%25']
])
const unescapeProperty = unescapeWith([
  ['\r', '%0D'],
  ['\n', '%0A'],
  [':', '%3A'],
  [',', '%2C'],
  ['%', '%25']
])

function properties(text: string, separator: string, unescape: (value: string) => string): Record<string, string> {
  const result: Record<string, string> = {}
  for (const pair of text.split(separator).filter(Boolean)) {
    const eq = pair.indexOf('=')
    // .NET's Split('=', 2, RemoveEmptyEntries): "=x" and "x=" give one part and are skipped.
    const parts = [pair.slice(0, eq < 0 ? pair.length : eq), eq < 0 ? '' : pair.slice(eq + 1)].filter(Boolean)
    if (parts.length === 2) result[parts[0] as string] = unescape(parts[1] as string)
  }
  return result
}

/** TryParseV2: `::name props::data` at the start of the trimmed line. */
function parseV2(line: string, known: Set<string>): RunnerCommand | undefined {
  const message = line.replace(LEADING_SPACE, '')
  if (!message.startsWith('::')) return undefined
  const end = message.indexOf('::', 2)
  if (end < 0) return undefined
  const info = message.slice(2, end)
  const space = info.indexOf(' ')
  const name = space < 0 ? info : info.slice(0, space)
  if (!known.has(name.toLowerCase())) return undefined
  return {
    form: '::',
    name,
    properties: space > 0 ? properties(info.slice(space + 1).trim(), ',', unescapeProperty) : {},
    data: unescapeData(message.slice(end + 2)),
    line
  }
}

/** TryParse: `##[name props]data` at the first `##[` of the line. */
function parseLegacy(line: string, known: Set<string>): RunnerCommand | undefined {
  const prefix = line.indexOf('##[')
  if (prefix < 0) return undefined
  const close = line.indexOf(']', prefix)
  if (close < 0) return undefined
  const info = line.slice(prefix + 3, close)
  const space = info.indexOf(' ')
  const name = space < 0 ? info : info.slice(0, space)
  if (!known.has(name.toLowerCase())) return undefined
  return {
    form: '##[',
    name,
    properties: space > 0 ? properties(info.slice(space + 1), ';', unescapeLegacy) : {},
    data: unescapeLegacy(line.slice(close + 1)),
    line
  }
}

/**
 * Every command the runner would process in `text` (a step's stdout or stderr, or both joined by a line
 * break), in order: `stop-commands` and its resume token included, nothing in between.
 */
export function runnerCommands(text: string): RunnerCommand[] {
  const known = new Set(RUNNER_COMMANDS)
  let stopToken: string | undefined
  const found: RunnerCommand[] = []
  for (const line of runnerLines(text)) {
    if (!line) continue
    const command = parseV2(line, known) ?? parseLegacy(line, known)
    if (!command) continue
    const name = command.name.toLowerCase()
    if (stopToken !== undefined) {
      if (name !== stopToken) continue
      known.delete(stopToken)
      stopToken = undefined
      found.push(command)
      continue
    }
    const token = command.data.toLowerCase()
    // The runner refuses (and does not stop for) an empty token, 'pause-logging' or a command's name.
    if (name === 'stop-commands' && token && token !== 'pause-logging' && !known.has(token)) {
      stopToken = token
      known.add(stopToken)
    }
    found.push(command)
  }
  return found
}

/** The commands in `text` that the action would not issue: any `##[` form, or a name outside `allowed`. */
export function foreignCommands(text: string, allowed: readonly string[] = ACTION_COMMANDS): RunnerCommand[] {
  return runnerCommands(text).filter(c => c.form !== '::' || !allowed.includes(c.name.toLowerCase()))
}

/** Fails, quoting the lines, when a step's stdout or stderr holds a command the action did not issue. */
export function assertOwnCommands(
  output: { stdout: string; stderr: string },
  allowed: readonly string[] = ACTION_COMMANDS
): void {
  for (const [stream, text] of [
    ['stdout', output.stdout],
    ['stderr', output.stderr]
  ] as const) {
    const foreign = foreignCommands(text, allowed)
    assert.deepEqual(
      foreign.map(c => c.line),
      [],
      `the runner would act on ${foreign.length} command(s) in ${stream} that the action did not issue`
    )
  }
}
