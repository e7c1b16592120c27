/**
 * How an input is read and the parsers every step's config shares (the sign-in step's common/config.ts and the
 * scan step's scan/config.ts): booleans, numbers in a range, text the log may quote, PEM text or a file.
 * Apart from config.ts so that a step reads its inputs without carrying the other step's table. Pure.
 */
import { InputError } from './errors.js'

/**
 * Reads one input. `undefined` means "not given at all" (the action.yml default applies); an empty string
 * means "given, and empty" (for `env-var`: export nothing).
 */
export type InputReader = (name: string) => string | undefined

/** Reads inputs the way the runner passes them: `INPUT_<NAME>`, upper-cased, spaces as underscores. */
export function envInputReader(env: NodeJS.ProcessEnv): InputReader {
  return name => env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`]
}

export interface ConfigIO {
  /** Reads a file named by an input that takes "text or a path" (`ca-certificate`, `private-key`). */
  readFile(path: string): string
}

/** Limits of the network inputs both steps take (`timeout`, `retries`). */
export const NETWORK_LIMITS = {
  timeout: { min: 1, max: 3600, integer: false, unit: 'seconds' },
  retries: { min: 0, max: 10, integer: true, unit: 'retries' }
} as const

export interface NumberLimits {
  min: number
  max: number
  integer: boolean
  /** What the number counts, for messages and the README. */
  unit: string
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '')
  // Not `*.localhost`: glibc sends those names to the configured DNS server, which may answer anything.
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1'
}

/** Inputs that take "the PEM text, or a path to a file holding it". */
export function textOrFile(name: string, raw: string, io: ConfigIO, label: string): string {
  if (raw.includes('-----BEGIN ')) return raw
  if (raw.includes('\n')) {
    throw new InputError(name, `is neither PEM text (-----BEGIN ${label}-----) nor a file path.`)
  }
  let text: string
  try {
    text = io.readFile(raw)
  } catch (error) {
    // The value is not echoed: it may be key material pasted without its PEM armour.
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable'
    throw new InputError(
      name,
      `is not PEM text (no -----BEGIN ${label}----- line), so it was taken as a file path, and no such file could be read (${code}): pass the whole PEM text, or a path to a file the job can read.`
    )
  }
  if (!text.includes('-----BEGIN ')) {
    throw new InputError(name, `names a file that holds no PEM block (-----BEGIN ${label}-----).`)
  }
  return text
}

export function parseCaCertificate(raw: string, io: ConfigIO): string | undefined {
  if (!raw) return undefined
  const pem = textOrFile('ca-certificate', raw, io, 'CERTIFICATE')
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new InputError(
      'ca-certificate',
      'holds no certificate (-----BEGIN CERTIFICATE-----): pass the PEM of the CA that issued the Auth URL server certificate.'
    )
  }
  return pem
}

/**
 * `##[` starts a workflow command anywhere in a log line (the runner's legacy syntax), and inputs are quoted
 * in log lines: an input that holds it is refused rather than quoted.
 */
export function refuseCommandPrefix(name: string, value: string): void {
  if (value.includes('##[')) {
    throw new InputError(
      name,
      'contains "##[", which the runner reads as a workflow command wherever it appears in a log line: remove it.'
    )
  }
}

/** A text input the log quotes: no control characters (line breaks), no `##[`. */
export function loggable(name: string, value: string): string {
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value)) {
    throw new InputError(name, 'contains control characters (a line break?): set it on one line.')
  }
  refuseCommandPrefix(name, value)
  return value
}

/**
 * The words a yes/no input takes, in any letter case: what `core.getBooleanInput` takes (true, false), and the
 * yes/on/1 and no/off/0 that v1.0.0 shipped accepting (inputs within a major version only grow).
 */
export const BOOLEAN_WORDS = { true: ['true', 'yes', 'on', '1'], false: ['false', 'no', 'off', '0'] } as const

export function parseBoolean(name: string, raw: string): boolean {
  const word = raw.toLowerCase()
  if ((BOOLEAN_WORDS.true as readonly string[]).includes(word)) return true
  if ((BOOLEAN_WORDS.false as readonly string[]).includes(word)) return false
  throw new InputError(name, `"${raw}" is not a boolean: use true or false (yes/no, on/off and 1/0 work too).`)
}

export function parseNumber(name: string, raw: string, limits: NumberLimits): number {
  const value = Number(raw)
  const range = `use ${limits.integer ? 'a whole number' : 'a number'} of ${limits.unit} from ${limits.min} to ${limits.max}`
  if (raw === '' || !Number.isFinite(value) || (limits.integer && !Number.isInteger(value))) {
    throw new InputError(name, `"${raw}" is not ${limits.integer ? 'a whole number' : 'a number'}: ${range}.`)
  }
  if (value < limits.min || value > limits.max) {
    throw new InputError(name, `${value} is out of range: ${range}.`)
  }
  return value
}
