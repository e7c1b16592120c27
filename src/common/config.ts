/**
 * Every input the action reads, read once and validated in one place into one typed config.
 * Nothing here touches the network; a bad input fails with the input's name and what to change.
 */
import { InputError } from './errors.js'
import {
  isLoopbackHost,
  loggable,
  NETWORK_LIMITS,
  parseBoolean,
  parseCaCertificate,
  parseNumber,
  refuseCommandPrefix,
  textOrFile,
  type ConfigIO,
  type InputReader,
  type NumberLimits
} from './inputs.js'

export { envInputReader, isLoopbackHost, type ConfigIO, type InputReader, type NumberLimits } from './inputs.js'

export const AUTH_METHODS = [
  'client_secret_post',
  'client_secret_basic',
  'client_secret_jwt',
  'private_key_jwt',
  'github_oidc'
] as const
export type AuthMethod = (typeof AUTH_METHODS)[number]

export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const
export const PRIVATE_KEY_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA'
] as const
export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number]
export type PrivateKeyAlgorithm = (typeof PRIVATE_KEY_ALGORITHMS)[number]

/** How the client proves who it is at the token (and revocation) endpoint. */
export type ClientAuth =
  | { method: 'client_secret_post' | 'client_secret_basic'; clientSecret: string }
  | { method: 'client_secret_jwt'; clientSecret: string; algorithm: HmacAlgorithm }
  | {
      method: 'private_key_jwt'
      privateKey: string
      keyId: string | undefined
      algorithm: PrivateKeyAlgorithm
    }
  | { method: 'github_oidc'; oidcAudience: string | undefined }

export interface Config {
  /** `auth-url`: a token endpoint, or an issuer/realm URL resolved through OpenID discovery. */
  authUrl: URL
  clientId: string
  clientAuth: ClientAuth
  /** Space-separated scopes, normalised; undefined when none was asked for. */
  scope: string | undefined
  audience: string | undefined
  /** RFC 8707 resource indicators. */
  resources: string[]
  /** Environment variable later steps get; undefined exports none. */
  envVar: string | undefined
  /** The whole exchange, discovery and retries included. */
  timeoutMs: number
  retries: number
  allowHttp: boolean
  /** Extra trusted CAs (PEM text), in addition to the system's. */
  caCertificate: string | undefined
  share: boolean
  sharedToken: string | undefined
  sharePassphrase: string | undefined
  minValiditySeconds: number
  revoke: boolean
  /** `token-command`: start the per-job token agent and put `binarly-token` on PATH for later steps. */
  tokenCommand: boolean
  /** A shared-token to revoke now (a matrix's final job): no exchange at all. */
  revokeSharedToken: string | undefined
  /** Non-fatal remarks about the inputs, to print as warnings. */
  warnings: string[]
}

/** Defaults, kept equal to `action.yml` (a test checks they agree). */
export const DEFAULTS = {
  'auth-method': 'client_secret_post',
  'env-var': 'BINARLY_ACCESS_TOKEN',
  timeout: '30',
  retries: '3',
  'allow-http': 'false',
  share: 'false',
  'min-validity': '60',
  revoke: 'true',
  'token-command': 'false'
} as const

/** The numeric inputs: their ranges and units (the README's inputs table states the same). */
export const NUMBER_LIMITS = {
  ...NETWORK_LIMITS,
  'min-validity': { min: 0, max: 86400, integer: true, unit: 'seconds' }
} as const satisfies Record<string, NumberLimits>

/**
 * Why a value set from `secrets.*` or `vars.*` can arrive empty. The README's rule is: client ID and secret
 * are secrets, the Auth URL may be a variable; either can be mixed up, so both are named.
 */
const NO_VALUE_HINT =
  'if the workflow sets it from a secret or a variable (${{ secrets.NAME }} or ${{ vars.NAME }}), check that a secret or variable of that exact name and kind is defined in this repository (or its organization or environment) and is available to this event: secrets and variables are separate lists in Settings → Secrets and variables → Actions, and fork pull requests get no secrets.'

export function readConfig(read: InputReader, io: ConfigIO): Config {
  const warnings: string[] = []
  const input = (name: string): string => (read(name) ?? '').trim()
  const withDefault = (name: keyof typeof DEFAULTS): string => {
    const value = read(name)
    return value === undefined ? DEFAULTS[name] : value.trim()
  }

  const allowHttp = parseBoolean('allow-http', withDefault('allow-http'))
  const authUrl = parseAuthUrl(input('auth-url'), allowHttp, warnings)

  const clientId = input('client-id')
  if (!clientId) {
    throw new InputError(
      'client-id',
      `is empty: set it to the Client ID of your Binarly M2M credentials (Keycloak: Clients → Client ID); ${NO_VALUE_HINT}`
    )
  }
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(clientId)) {
    throw new InputError('client-id', 'contains control characters: copy the Client ID again, without line breaks.')
  }
  refuseCommandPrefix('client-id', clientId)

  const clientAuth = parseClientAuth(input, withDefault('auth-method'), io, warnings)

  const scope = parseScope(input('scope'))
  const audience = loggable('audience', input('audience')) || undefined
  const resources = parseResources(input('resource'))

  const envVarRaw = withDefault('env-var')
  const envVar = envVarRaw === '' ? undefined : parseEnvVar(envVarRaw)

  const timeoutSeconds = parseNumber('timeout', withDefault('timeout'), NUMBER_LIMITS.timeout)
  const retries = parseNumber('retries', withDefault('retries'), NUMBER_LIMITS.retries)

  const caCertificate = parseCaCertificate(input('ca-certificate'), io)

  const revokeSharedToken = input('revoke-shared-token') || undefined
  let share = parseBoolean('share', withDefault('share'))
  let sharedToken = input('shared-token') || undefined
  if (revokeSharedToken && (share || sharedToken)) {
    warnings.push('share and shared-token are ignored with revoke-shared-token: this step only revokes.')
    share = false
    sharedToken = undefined
  }
  const sharePassphrase = parsePassphrase(read('share-passphrase') ?? '')
  const minValiditySeconds = parseNumber('min-validity', withDefault('min-validity'), NUMBER_LIMITS['min-validity'])
  const revoke = parseBoolean('revoke', withDefault('revoke'))
  let tokenCommand = parseBoolean('token-command', withDefault('token-command'))
  if (revokeSharedToken && tokenCommand) {
    warnings.push('token-command is ignored with revoke-shared-token: this step only revokes.')
    tokenCommand = false
  }
  if ((share || sharedToken || revokeSharedToken) && clientAuth.method === 'github_oidc' && !sharePassphrase) {
    throw new InputError(
      'share-passphrase',
      'is required to share a token with auth-method github_oidc, since there is no client secret or key to derive the sealing key from: set it to a secret that every job of the matrix gets.'
    )
  }

  return {
    authUrl,
    clientId,
    clientAuth,
    scope,
    audience,
    resources,
    envVar,
    timeoutMs: Math.round(timeoutSeconds * 1000),
    retries,
    allowHttp,
    caCertificate,
    share,
    sharedToken,
    sharePassphrase,
    minValiditySeconds,
    revoke,
    revokeSharedToken,
    tokenCommand,
    warnings
  }
}

/** `http://` only to loopback, or anywhere when `allow-http` says so (with a warning). */
export function checkHttpPolicy(url: URL, allowHttp: boolean, what: string, warnings: string[]): void {
  if (url.protocol === 'https:') return
  if (isLoopbackHost(url.hostname)) return
  if (!allowHttp) {
    throw new InputError(
      'auth-url',
      `${what} ${url.origin} uses http://, which would send the client credentials in clear text: use the https:// URL, or set allow-http: true if this network is trusted.`
    )
  }
  warnings.push(`allow-http is true: credentials are sent in clear text to ${url.origin}.`)
}

function parseAuthUrl(raw: string, allowHttp: boolean, warnings: string[]): URL {
  if (!raw) {
    throw new InputError(
      'auth-url',
      `is empty: set it to your Binarly Auth URL (https://auth-<slug>.binarly.cloud/realms/BinarlyRealm/protocol/openid-connect/token on SaaS, your Keycloak's .../realms/BinarlyRealm/protocol/openid-connect/token on-premises); ${NO_VALUE_HINT}`
    )
  }
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new InputError(
      'auth-url',
      'is not a URL: expected https://<host>/realms/BinarlyRealm/protocol/openid-connect/token (or the realm URL).'
    )
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError('auth-url', `uses ${url.protocol}, expected an https:// URL.`)
  }
  if (url.username || url.password) {
    throw new InputError(
      'auth-url',
      'contains a user name or password: remove them from the URL and pass the credentials as client-id and client-secret.'
    )
  }
  if (url.hash) {
    throw new InputError('auth-url', 'contains a #fragment, which a token endpoint cannot have: remove it.')
  }
  checkHttpPolicy(url, allowHttp, 'The Auth URL', warnings)
  return url
}

function parseClientAuth(
  input: (name: string) => string,
  methodRaw: string,
  io: ConfigIO,
  warnings: string[]
): ClientAuth {
  const method = (methodRaw || DEFAULTS['auth-method']) as AuthMethod
  if (!AUTH_METHODS.includes(method)) {
    throw new InputError('auth-method', `"${methodRaw}" is not supported: use one of ${AUTH_METHODS.join(', ')}.`)
  }
  const clientSecret = input('client-secret')
  const privateKeyRaw = input('private-key')
  const algorithmRaw = input('signing-algorithm')
  const requireSecret = (): string => {
    if (!clientSecret) {
      throw new InputError('client-secret', `is empty, and auth-method ${method} needs it: ${NO_VALUE_HINT}`)
    }
    return clientSecret
  }
  const ignored = (name: string, value: string): void => {
    if (value) warnings.push(`${name} is ignored with auth-method ${method}.`)
  }

  switch (method) {
    case 'client_secret_post':
    case 'client_secret_basic':
      ignored('private-key', privateKeyRaw)
      ignored('signing-algorithm', algorithmRaw)
      return { method, clientSecret: requireSecret() }
    case 'client_secret_jwt':
      ignored('private-key', privateKeyRaw)
      return {
        method,
        clientSecret: requireSecret(),
        algorithm: parseAlgorithm(algorithmRaw, HMAC_ALGORITHMS, 'HS256', method)
      }
    case 'private_key_jwt': {
      ignored('client-secret', clientSecret)
      if (!privateKeyRaw) {
        throw new InputError(
          'private-key',
          `is empty, and auth-method private_key_jwt needs it: pass the client's PEM private key (PKCS#8, or PKCS#1 for RSA) from a secret; ${NO_VALUE_HINT}`
        )
      }
      const privateKey = textOrFile('private-key', privateKeyRaw, io, 'PRIVATE KEY')
      return {
        method,
        privateKey,
        keyId: input('private-key-id') || undefined,
        algorithm: parseAlgorithm(algorithmRaw, PRIVATE_KEY_ALGORITHMS, 'RS256', method)
      }
    }
    case 'github_oidc':
      ignored('client-secret', clientSecret)
      ignored('private-key', privateKeyRaw)
      return { method, oidcAudience: loggable('oidc-audience', input('oidc-audience')) || undefined }
  }
}

function parseAlgorithm<T extends string>(raw: string, allowed: readonly T[], fallback: T, method: string): T {
  if (!raw) return fallback
  const found = allowed.find(a => a.toLowerCase() === raw.toLowerCase())
  if (!found) {
    throw new InputError(
      'signing-algorithm',
      `"${raw}" cannot be used with auth-method ${method}: use one of ${allowed.join(', ')}.`
    )
  }
  return found
}

/** RFC 6749 §3.3: scope tokens are printable ASCII except space, `"` and `\`. */
function parseScope(raw: string): string | undefined {
  const tokens = raw.split(/\s+/).filter(Boolean)
  if (tokens.length === 0) return undefined
  refuseCommandPrefix('scope', raw)
  for (const token of tokens) {
    if (!/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(token)) {
      throw new InputError(
        'scope',
        `"${token}" is not a valid scope (printable ASCII without quotes or backslashes); separate scopes with spaces.`
      )
    }
  }
  return tokens.join(' ')
}

/** RFC 8707 §2: each resource is an absolute URI without a fragment. */
function parseResources(raw: string): string[] {
  const lines = raw
    .split(/\r?\n/)
    .map(l => l.trim())
    .filter(Boolean)
  for (const line of lines) {
    let url: URL | undefined
    try {
      url = new URL(line)
    } catch {
      url = undefined
    }
    if (!url || url.hash) {
      throw new InputError(
        'resource',
        `"${line}" is not an absolute URI without a #fragment (RFC 8707); give one resource per line.`
      )
    }
  }
  return lines
}

const RESERVED_ENV = /^(GITHUB_|RUNNER_|ACTIONS_|INPUT_|STATE_)|^(PATH|NODE_OPTIONS|HOME|CI)$/i

function parseEnvVar(raw: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(raw)) {
    throw new InputError(
      'env-var',
      `"${raw}" is not an environment variable name (letters, digits and _, not starting with a digit); leave it empty to export none.`
    )
  }
  if (RESERVED_ENV.test(raw)) {
    throw new InputError(
      'env-var',
      `"${raw}" is reserved by the runner or Node: choose another name, e.g. BINARLY_ACCESS_TOKEN.`
    )
  }
  return raw
}

/** HKDF does not slow guessing, and the sealed value may be in a public log: the passphrase must be long. */
export const MIN_PASSPHRASE_LENGTH = 16

function parsePassphrase(raw: string): string | undefined {
  if (!raw) return undefined
  const length = Array.from(raw).length
  if (length < MIN_PASSPHRASE_LENGTH) {
    throw new InputError(
      'share-passphrase',
      `is ${length} character${length === 1 ? '' : 's'} long: use at least ${MIN_PASSPHRASE_LENGTH} (a random value, e.g. from openssl rand -base64 24), since the shared-token it seals may be read from the log and guessed at offline.`
    )
  }
  return raw
}
