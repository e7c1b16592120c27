/**
 * The docs never teach putting a credential into a command's arguments: every process of the runner can read
 * another's arguments (/proc/<pid>/cmdline, `ps`), so a token in curl's argv is a token in the open. Every
 * shell snippet a reader can copy (the bash or sh `run:` of a YAML example, a `sh`/`bash` block, the example
 * script) sends the Authorization header on standard input (`printf … | curl --header @-`) or from a file
 * descriptor. A shell builtin (printf, echo, test, a function of the snippet) starts no process: a token in
 * its arguments is in no process's argv.
 */
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { parse } from 'yaml'
import { isEntry } from '../support/action-yml.ts'
import { docFiles, fences } from '../support/markdown.ts'
import { ROOT } from '../support/runner.ts'

interface Snippet {
  where: string
  script: string
}

/** Bash and sh are checked; pwsh and cmd run their API calls in-process (Invoke-RestMethod), not by argv. */
const CHECKED_SHELLS = new Set(['bash', 'sh'])

/** The `run:` scripts of a YAML example (a workflow or a list of steps) that bash or sh runs. */
function runScripts(text: string, where: string): Snippet[] {
  const value: unknown = parse(text)
  const jobs = isEntry(value) && isEntry(value.jobs) ? Object.values(value.jobs) : [{ steps: value }]
  const steps = jobs.flatMap(job => (isEntry(job) && Array.isArray(job.steps) ? job.steps.filter(isEntry) : []))
  return steps
    .filter(step => {
      const shell = typeof step.shell === 'string' ? step.shell : 'bash'
      return typeof step.run === 'string' && CHECKED_SHELLS.has(shell.split(' ')[0] ?? '')
    })
    .map(step => ({ where, script: String(step.run) }))
}

/** Every shell snippet of README.md, docs/*.md, SECURITY.md, CONTRIBUTING.md, and every script in examples/. */
function shellSnippets(): Snippet[] {
  const snippets: Snippet[] = []
  for (const file of [...docFiles(), 'SECURITY.md', 'CONTRIBUTING.md']) {
    for (const fence of fences(file)) {
      if (fence.lang === 'yaml' || fence.lang === 'yml') snippets.push(...runScripts(fence.text, fence.where))
      if (fence.lang === 'sh' || fence.lang === 'bash' || fence.lang === 'shell') {
        snippets.push({ where: fence.where, script: fence.text })
      }
    }
  }
  const examples = join(ROOT, 'examples')
  for (const name of existsSync(examples) ? readdirSync(examples) : []) {
    if (/\.(sh|bash)$/.test(name)) {
      snippets.push({ where: `examples/${name}`, script: readFileSync(join(examples, name), 'utf8') })
    }
  }
  return snippets
}

/**
 * The simple commands of a script, each as its words (quotes kept). A small reading of shell syntax: quotes,
 * backslash escapes and line continuations, comments, `$(…)` (its commands are commands too), and the
 * separators `;`, `&`, `|`, `(`, `)` and newline. Enough for examples; not a shell.
 */
function simpleCommands(script: string): string[][] {
  const commands: string[][] = []
  let words: string[] = []
  let word = ''
  const endWord = (): void => {
    if (word) words.push(word)
    word = ''
  }
  const endCommand = (): void => {
    endWord()
    if (words.length) commands.push(words)
    words = []
  }
  let quote: "'" | '"' | undefined
  for (let i = 0; i < script.length; i++) {
    const c = script[i] ?? ''
    if (quote === "'") {
      word += c
      if (c === "'") quote = undefined
      continue
    }
    if (c === '\\') {
      if (script[i + 1] === '\n') i++
      else word += c + (script[++i] ?? '')
      continue
    }
    if (c === '$' && script[i + 1] === '(') {
      // Find the closing parenthesis (quotes inside the substitution respected); its commands are commands.
      let depth = 0
      let inner: "'" | '"' | undefined
      let j = i + 1
      for (; j < script.length; j++) {
        const d = script[j]
        if (inner) {
          if (d === inner) inner = undefined
        } else if (d === "'" || d === '"') inner = d
        else if (d === '(') depth++
        else if (d === ')' && --depth === 0) break
      }
      commands.push(...simpleCommands(script.slice(i + 2, j)))
      word += script.slice(i, j + 1)
      i = j
      continue
    }
    if (quote === '"') {
      word += c
      if (c === '"') quote = undefined
      continue
    }
    if (c === "'" || c === '"') {
      quote = c
      word += c
    } else if (c === '#' && !word) {
      while (i + 1 < script.length && script[i + 1] !== '\n') i++
    } else if (c === ' ' || c === '\t') endWord()
    else if ('\n;&|()'.includes(c)) endCommand()
    else word += c
  }
  endCommand()
  return commands
}

/** Commands of the shell itself (bash and dash): they start no process, so their arguments are in no argv. */
const BUILTINS = new Set([
  'printf',
  'echo',
  'test',
  '[',
  '[[',
  ']]',
  'export',
  'local',
  'declare',
  'readonly',
  'read',
  'return',
  'exit',
  'set',
  'unset',
  ':',
  'true',
  'false'
])
/** Words that come before a command. */
const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', '!', '{', '}', 'time'])

/** A variable named like a credential ($token, $BINARLY_ACCESS_TOKEN, $CLIENT_SECRET), expanded. */
const CREDENTIAL_VARIABLE = /\$\{?\w*(token|secret|password|passphrase|credentials?|assertion)\b/i
/** The token command's output, substituted in place. */
const TOKEN_COMMAND = /\$\(\s*("?\$\{?BINARLY_TOKEN_COMMAND\}?"?|binarly-token)\b|`\s*binarly-token\b/
/** An Actions expression of a credential, which the runner writes into the step's script itself. */
const CREDENTIAL_EXPRESSION =
  /\$\{\{[^}]*\b(secrets\.|github\.token|outputs\.(access-token|shared-token)|env\.\w*(token|secret))/i

/** A word without its single-quoted parts, where the shell expands nothing. */
function withoutSingleQuoted(word: string): string {
  let kept = ''
  let quote: "'" | '"' | undefined
  for (const c of word) {
    if (quote === "'") {
      if (c === "'") quote = undefined
      continue
    }
    if (c === "'" && !quote) quote = c
    else if (c === '"') quote = quote ? undefined : c
    if (quote !== "'") kept += c
  }
  return kept
}

/** What in `script` puts a credential into a command's arguments: one line per finding. */
function credentialsInArgv(script: string): string[] {
  const findings: string[] = []
  const functions = new Set([...script.matchAll(/^\s*(?:function\s+)?([\w-]+)\s*\(\)/gm)].map(([, name]) => name))
  for (const expression of script.match(new RegExp(CREDENTIAL_EXPRESSION.source, 'gi')) ?? []) {
    findings.push(`${expression}…: a credential expression is written into the step's script; pass it in env:`)
  }
  for (const words of simpleCommands(script)) {
    let at = 0
    while (at < words.length && (KEYWORDS.has(words[at] ?? '') || /^[A-Za-z_]\w*=/.test(words[at] ?? ''))) at++
    const name = words[at]
    if (name === undefined || BUILTINS.has(name) || functions.has(name)) continue
    for (const argument of words.slice(at + 1)) {
      // A redirection is no argument: `<<<"$token"` is standard input.
      if (/^\d*(<|>)/.test(argument)) continue
      const expanded = withoutSingleQuoted(argument)
      if (CREDENTIAL_VARIABLE.test(expanded) || TOKEN_COMMAND.test(expanded)) {
        findings.push(`${words.join(' ')}: ${argument} is in the arguments of ${name}, which every process can read`)
      }
    }
  }
  return findings
}

describe('shell examples never put a credential into a command’s arguments', () => {
  const snippets = shellSnippets()

  test('the snippets are found: the README’s, the token command’s, the scan page’s one curl call', () => {
    assert.ok(snippets.length >= 10, `only ${snippets.length} snippets`)
    for (const where of ['README.md:', 'docs/token-command.md:', 'docs/binarly-scan.md:']) {
      assert.ok(
        snippets.some(s => s.where.startsWith(where)),
        `no snippet of ${where}`
      )
    }
  })

  for (const snippet of snippets) {
    test(snippet.where, () => {
      assert.deepEqual(
        credentialsInArgv(snippet.script),
        [],
        `${snippet.where}: send the header on standard input: printf 'Authorization: Bearer %s\\n' "$token" | curl --header @- …`
      )
    })
  }
})

describe('the check itself', () => {
  test('finds a token in curl’s arguments, however it gets there', () => {
    for (const script of [
      'curl -H "Authorization: Bearer $BINARLY_ACCESS_TOKEN" "$URL"',
      'curl --fail \\\n  --header "Authorization: Bearer ${token}" \\\n  "$URL"',
      'token=$(binarly-token)\ncurl -fsS -H "Authorization: Bearer $token" "$URL"',
      'curl -H "Authorization: Bearer $(binarly-token)" "$URL"',
      'curl -H "Authorization: Bearer $("$BINARLY_TOKEN_COMMAND")" "$URL"',
      'x=1; if true; then wget --header="Authorization: Bearer $SCANNER_TOKEN" "$URL"; fi',
      'status=$(curl -H "Authorization: Bearer $token" "$URL")',
      'env TOKEN="$token" ./scan.sh',
      'echo ok && http --auth-type bearer --auth "$BINARLY_ACCESS_TOKEN" GET "$URL"',
      'curl -u "$CLIENT_ID:$CLIENT_SECRET" "$URL"',
      'curl -H "Authorization: Bearer ${{ steps.binarly.outputs.access-token }}" "$URL"'
    ]) {
      assert.notDeepEqual(credentialsInArgv(script), [], script)
    }
  })

  test('accepts the header on standard input, builtins, functions, assignments, env and comments', () => {
    for (const script of [
      'printf \'Authorization: Bearer %s\\n\' "$token" | curl -sS --header @- "$URL"',
      'token=$(binarly-token)\ntoken=$(printf \'%s\\n\' "$token" | binarly-token --renew)',
      'send() {\n  printf \'%s\' "$1" | curl --header @- "$2"\n}\nsend "$token" "$URL"',
      'test "$token" = "$BINARLY_ACCESS_TOKEN"\n[ -n "$token" ] || exit 1',
      'SCANNER_TOKEN="$token" ./scan.sh # reads $BINARLY_ACCESS_TOKEN',
      'curl --header @- "$URL" <<<"Authorization: Bearer $token"',
      '"$BINARLY_TOKEN_COMMAND" --json',
      'seq 16 | xargs -P 16 -I{} sh -c \'t=$(binarly-token) && echo "$t"\'',
      'echo "The token is valid until $TOKEN_EXPIRES_AT"'
    ]) {
      assert.deepEqual(credentialsInArgv(script), [], script)
    }
  })

  test('reads YAML examples: bash and sh run: steps, not pwsh', () => {
    const steps =
      '- run: |\n    curl -H "Authorization: Bearer $T_TOKEN" x\n- shell: pwsh\n  run: Invoke-RestMethod $token\n'
    assert.deepEqual(
      runScripts(steps, 'x').map(s => s.script),
      ['curl -H "Authorization: Bearer $T_TOKEN" x\n']
    )
  })
})
