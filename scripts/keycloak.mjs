#!/usr/bin/env node
/**
 * A real Keycloak on loopback for the end-to-end tests, without Docker.
 *
 *   import { startKeycloak } from '../../scripts/keycloak.mjs'
 *   const kc = await startKeycloak()       // kc.tokenEndpoint, kc.issuer, kc.admin, kc.adminRequest(), ...
 *   await kc.stop()
 *
 *   node scripts/keycloak.mjs fetch [v..]  # download, unpack and build only (default: SUITE_VERSIONS)
 *   node scripts/keycloak.mjs start        # print the base URL, run until SIGINT/SIGTERM
 *
 * Distribution: org.keycloak:keycloak-quarkus-dist:<version>:zip from Maven Central, fetched with `mvn`
 * (so it lands in ~/.m2 and a second fetch downloads nothing), unpacked with the JDK's `jar` and built once
 * (`kc.sh build`: Quarkus augmentation, ~20 s) into <repo>/.cache/keycloak-<version>-<hash of its buildOptions()>.
 * The unpack and build happen in a temporary sibling that is renamed into place, so concurrent first runs
 * cannot see a half-built server. KEYCLOAK_HOME=<unpacked server> skips all of that (Keycloak then builds
 * itself in place on its first start if its build options differ); KEYCLOAK_VERSION overrides the version.
 * Java: JAVA_HOME if it is 21 or newer, else the newest /usr/lib/jvm/<jdk>/bin/java that is.
 *
 * Each run gets its own Keycloak home in a temporary directory: bin/kc.sh copied (kc.sh derives the home
 * from its own real path), everything else symlinked to the shared server, and a fresh data/ with the realm
 * file in data/import. Keycloak keeps its data (H2 database, import directory, transaction logs) under
 * <home>/data with no option to move it, so this is what lets test files run servers side by side. The
 * database is in memory (dev-mem): every run starts from the realm file. Server options are in `args` below.
 *
 * Keys for binarly-jwt (client-jwt): the realm file gives it an empty JWKS and tests put their public keys in
 * with `kc.setClientJwks('binarly-jwt', jwks)` (Admin REST API; takes effect at once, a key removed stops
 * working). Keycloak does expand ${ENV_VAR} and ${ENV_VAR:default} in imported realm files, but as raw text
 * before the JSON is parsed (a JWKS would need JSON-escaping), and only before the server starts.
 *
 * Federated client authentication ("Signed JWT - Federated", e.g. with GitHub's OIDC token) is a default
 * feature from 26.6 on; before that it is preview, and buildOptions() adds `--features=client-auth-federated`.
 * A test sets it up with kc.adminRequest(): an identity provider that trusts the external issuer's keys,
 *   POST /identity-provider/instances  { alias: 'github-actions', providerId: 'oidc', enabled: true, config: {
 *     issuer: '<external iss>', useJwksUrl: 'true', jwksUrl: '<its JWKS URL>', validateSignature: 'true',
 *     supportsClientAssertions: 'true' } }
 * and a client that accepts that issuer's JWTs with a given sub as its credentials,
 *   POST /clients  { clientId: 'binarly-federated', clientAuthenticatorType: 'federated-jwt',
 *     serviceAccountsEnabled: true, standardFlowEnabled: false,
 *     attributes: { 'jwt.credential.issuer': 'github-actions', 'jwt.credential.sub': '<expected sub>' } }
 * The assertion's aud must be exactly kc.issuer (one audience), with exp, a jti used once, and exp at most
 * 300 s after iat (IdP config fedClientAssertionMaxExp changes that; supportsClientAssertionReuse allows reuse).
 *
 * Clean-up: stop() ends the server gracefully (SIGTERM, SIGKILL after 15 s) and removes the run directory.
 * If the Node process exits without stop(), an exit hook kills the server's process group; on SIGINT/SIGTERM/
 * SIGHUP the same happens before the signal takes its default course; and if Node is killed outright the
 * server's stdin pipe closes, which a small shell watchdog around kc.sh turns into SIGTERM (the run
 * directory in the temp dir is left behind then).
 */
import { spawn, spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync
} from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const CACHE_DIR = join(REPO_ROOT, '.cache')
const REALM_FILE = join(REPO_ROOT, '__tests__', 'keycloak', 'realm-binarly.json')
const DEFAULT_VERSION = '26.7.3'
const MIN_JAVA = 21
export const REALM = 'BinarlyRealm'

/** The versions `npm run test:keycloak` runs the suite against: both sides of 26.6 (see docs/keycloak-notes.md). */
export const SUITE_VERSIONS = ['26.7.3', '26.5.6']

/**
 * Build-time options, baked into lib/quarkus by `kc.sh build` and repeated at start (without --optimized
 * Keycloak compares them with the built ones and rebuilds on a mismatch, which a KEYCLOAK_HOME relies on).
 * dev-mem: nothing on disk and nothing to clean up; every run imports the realm afresh. Federated client
 * authentication ("Signed JWT - Federated") is a preview feature before 26.6, enabled with a flag there; from
 * 26.6 on it is supported and on by default, so those versions run as customers run them, without the flag.
 * @param {string} version
 */
export function buildOptions(version) {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  const preview = major < 26 || (major === 26 && minor < 6)
  return ['--db=dev-mem', ...(preview ? ['--features=client-auth-federated'] : [])]
}

/**
 * The version of an unpacked server, from its version.txt ("Keycloak - Version 26.5.6").
 * @param {string} home
 */
function versionOf(home) {
  const text = readFileSync(join(home, 'version.txt'), 'utf8')
  const match = /(\d+\.\d+\.\d+)/.exec(text)
  if (!match) throw new Error(`${join(home, 'version.txt')} names no version: ${text.trim()}`)
  return match[1]
}

/**
 * C1 only: on 2 cores, C2 compiling in the background competes with start-up for no gain in a short test run
 * (measured with other work on the machine: ready in ~12 s instead of ~24 s). Serial GC: same start-up, ~80 MiB
 * less RSS (kc.sh's defaults select G1, hence -UseG1GC first).
 */
const JAVA_OPTS_APPEND = '-XX:TieredStopAtLevel=1 -XX:-UseG1GC -XX:+UseSerialGC'

/**
 * The watchdog around kc.sh: Node holds the write end of its stdin; EOF there (Node closed it, or died, even
 * by SIGKILL) becomes SIGTERM for kc.sh, which forwards it to Java. `wait` keeps this shell alive until kc.sh
 * is gone, so its exit tells Node the server is down. (fd 3 because a background job's stdin is /dev/null.)
 */
const WATCHDOG =
  'exec 3<&0; "$@" </dev/null 3<&- & kc=$!; (cat <&3 >/dev/null; kill -TERM "$kc" 2>/dev/null) & wait "$kc"'

/** Servers of this process that are still running, for the exit and signal hooks. */
const running = new Set()

/** @param {string} message */
const log = message => process.stderr.write(`[keycloak] ${message}\n`)

/**
 * Runs a command to completion; throws with its output on failure.
 * @param {string} command
 * @param {string[]} args
 * @param {import('node:child_process').SpawnSyncOptions} [options]
 */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options })
  if (result.error) throw new Error(`${command} could not be run: ${result.error.message}`)
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n')
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}):\n${output}`)
  }
  return result
}

/**
 * The major version `java -version` reports (1.8 counts as 8), or undefined if it does not run.
 * @param {string} java
 */
function javaMajor(java) {
  const result = spawnSync(java, ['-version'], { encoding: 'utf8' })
  const match = /version "(\d+)(?:\.(\d+))?/.exec(result.stderr ?? '')
  if (result.status !== 0 || !match) return undefined
  return match[1] === '1' ? Number(match[2]) : Number(match[1])
}

/** A Java >= 21 for Keycloak: JAVA_HOME if it is one, else the newest JDK under /usr/lib/jvm. */
export function findJava() {
  const found = []
  const consider = java => {
    const major = existsSync(java) ? javaMajor(java) : undefined
    if (major !== undefined) found.push({ java: realpathSync(java), major })
    return major
  }
  if (process.env.JAVA_HOME) {
    const java = join(process.env.JAVA_HOME, 'bin', 'java')
    if (consider(java) >= MIN_JAVA) return realpathSync(java)
  }
  const jvmDir = '/usr/lib/jvm'
  if (existsSync(jvmDir)) readdirSync(jvmDir).forEach(entry => consider(join(jvmDir, entry, 'bin', 'java')))
  const newest = found.filter(f => f.major >= MIN_JAVA).sort((a, b) => b.major - a.major)[0]
  if (newest) return newest.java
  const seen = [...new Set(found.map(f => `${f.java} (${f.major})`))].join(', ') || 'none'
  throw new Error(
    `Keycloak needs Java ${MIN_JAVA} or newer; JAVA_HOME=${process.env.JAVA_HOME ?? '(unset)'}, ` +
      `found under /usr/lib/jvm: ${seen}. Set JAVA_HOME to a JDK ${MIN_JAVA}+.`
  )
}

/**
 * The unpacked and built server for `version`, downloading and building it on first use.
 * @param {{ version?: string, java?: string }} [options]
 * @returns {string} its directory
 */
export function ensureDistribution({
  version = process.env.KEYCLOAK_VERSION || DEFAULT_VERSION,
  java = findJava()
} = {}) {
  const options = buildOptions(version)
  const stamp = createHash('sha256').update(options.join(' ')).digest('hex').slice(0, 8)
  const home = join(CACHE_DIR, `keycloak-${version}-${stamp}`)
  if (existsSync(home)) return home

  mkdirSync(CACHE_DIR, { recursive: true })
  const work = mkdtempSync(`${home}.tmp-`)
  try {
    const artifact = `org.keycloak:keycloak-quarkus-dist:${version}:zip`
    let started = Date.now()
    run('mvn', ['-q', '-B', 'dependency:copy', `-Dartifact=${artifact}`, `-DoutputDirectory=${work}`], { cwd: work })
    log(`${artifact} from the Maven cache or Central in ${seconds(started)}`)

    started = Date.now()
    const zip = join(work, `keycloak-quarkus-dist-${version}.zip`)
    run(join(dirname(java), 'jar'), ['xf', zip], { cwd: work })
    rmSync(zip)
    const unpacked = join(work, `keycloak-${version}`)
    const env = { ...keycloakFreeEnv(), JAVA: java }
    run('/bin/sh', [join(unpacked, 'bin', 'kc.sh'), 'build', ...options], { env })
    log(`Keycloak ${version} unpacked and built (${options.join(' ')}) in ${seconds(started)}`)

    try {
      renameSync(unpacked, home)
    } catch (error) {
      // Another process got there first with the same version and options: use its copy.
      if (!existsSync(home)) throw error
    }
    return home
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** process.env without the variables Keycloak or kc.sh would read as configuration. */
function keycloakFreeEnv() {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(KC_|KEYCLOAK_|QUARKUS_|JAVA_OPTS)/.test(name))
  )
}

/** @param {number} since */
const seconds = since => `${((Date.now() - since) / 1000).toFixed(1)} s`

/** A port on 127.0.0.1 that was free a moment ago. */
async function freePort() {
  const server = createServer()
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address())
  await new Promise(resolve => server.close(resolve))
  return port
}

/**
 * A Keycloak home of its own for one run: see the header comment.
 * @param {string} home the shared server
 */
function makeRunDir(home) {
  const runDir = mkdtempSync(join(tmpdir(), 'binarly-keycloak-'))
  for (const entry of readdirSync(home)) {
    if (entry !== 'bin' && entry !== 'data') symlinkSync(join(home, entry), join(runDir, entry))
  }
  mkdirSync(join(runDir, 'bin'))
  cpSync(join(home, 'bin', 'kc.sh'), join(runDir, 'bin', 'kc.sh'))
  mkdirSync(join(runDir, 'data', 'import'), { recursive: true })
  cpSync(REALM_FILE, join(runDir, 'data', 'import', basename(REALM_FILE)))
  return runDir
}

/**
 * The last lines of a file, for error messages.
 * @param {string} file
 */
function tail(file, lines = 60) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

/**
 * Kills a server's process group now: for exit and signal hooks, which cannot wait.
 * @param {{ pid: number, runDir: string }} server
 */
function killNow(server) {
  try {
    process.kill(-server.pid, 'SIGKILL')
  } catch {
    // Already gone.
  }
  rmSync(server.runDir, { recursive: true, force: true })
}

/**
 * Whether any process of the group is left.
 * @param {number} pgid
 */
function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0)
    return true
  } catch {
    return false
  }
}

let hooksInstalled = false
function installHooks() {
  if (hooksInstalled) return
  hooksInstalled = true
  process.on('exit', () => running.forEach(killNow))
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
    process.once(signal, () => {
      running.forEach(killNow)
      // Let the signal take its default course (terminate) unless someone else handles it.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
    })
  }
}

/**
 * @typedef {object} Keycloak
 * @property {string} version        e.g. 26.7.3 (from the server's version.txt)
 * @property {string} baseUrl        e.g. http://127.0.0.1:41234
 * @property {number} port
 * @property {string} realm          BinarlyRealm
 * @property {string} realmUrl       = issuer: <baseUrl>/realms/BinarlyRealm
 * @property {string} issuer
 * @property {string} tokenEndpoint
 * @property {string} introspectionEndpoint
 * @property {string} revocationEndpoint
 * @property {string} adminUrl       <baseUrl>/admin/realms/BinarlyRealm (Admin REST API for the realm)
 * @property {{ username: string, password: string }} admin  master-realm admin, random password per run
 * @property {(method: string, path: string, body?: unknown) => Promise<any>} adminRequest
 *   Admin REST API call on adminUrl + path (e.g. 'GET', '/clients?clientId=binarly-ci') with a fresh admin
 *   token; resolves to the parsed JSON answer (undefined when empty), rejects on a non-2xx status.
 * @property {(clientId: string, jwks: { keys: object[] }) => Promise<void>} setClientJwks
 * @property {(clientId: string, attributes: Record<string, string>) => Promise<void>} setClientAttributes
 *   Makes a client-jwt client trust exactly these public keys.
 * @property {string} home           the shared server directory
 * @property {string} runDir         this run's Keycloak home (removed by stop())
 * @property {string} logFile        the server's stdout and stderr (inside runDir)
 * @property {number} startupMs      from spawning kc.sh to the realm's discovery document answering 200
 * @property {Promise<number | null>} exited  resolves with kc.sh's exit code when the server is down
 * @property {() => Promise<void>} stop
 */

/**
 * Starts Keycloak with BinarlyRealm on a free loopback port and waits until the realm answers.
 * @param {{ version?: string, port?: number, timeoutMs?: number }} [options]
 * @returns {Promise<Keycloak>}
 */
export async function startKeycloak({ version, port, timeoutMs = 180_000 } = {}) {
  const java = findJava()
  const home = process.env.KEYCLOAK_HOME ? resolve(process.env.KEYCLOAK_HOME) : ensureDistribution({ version, java })
  const serverVersion = versionOf(home)
  port ??= await freePort()
  const baseUrl = `http://127.0.0.1:${port}`
  const realmUrl = `${baseUrl}/realms/${REALM}`
  const admin = { username: 'admin', password: randomBytes(18).toString('base64url') }

  const runDir = makeRunDir(home)
  const logFile = join(runDir, 'keycloak.log')
  const logFd = openSync(logFile, 'w')
  const args = [
    'start',
    ...buildOptions(serverVersion),
    '--http-enabled=true',
    '--http-host=127.0.0.1',
    `--http-port=${port}`,
    // Fixes the issuer to http://127.0.0.1:<port>/realms/BinarlyRealm whatever Host a request carries.
    `--hostname=${baseUrl}`,
    // Local caches only: no JGroups cluster discovery, no listening on other interfaces.
    '--cache=local',
    '--import-realm'
  ]
  const started = Date.now()
  // `jar xf` drops the executable bits, hence /bin/sh kc.sh.
  const child = spawn('/bin/sh', ['-c', WATCHDOG, 'keycloak', '/bin/sh', join(runDir, 'bin', 'kc.sh'), ...args], {
    cwd: runDir,
    detached: true, // its own process group, so the whole tree can be signalled at once
    stdio: ['pipe', logFd, logFd],
    env: {
      ...keycloakFreeEnv(),
      JAVA: java,
      JAVA_OPTS_APPEND,
      KC_BOOTSTRAP_ADMIN_USERNAME: admin.username,
      KC_BOOTSTRAP_ADMIN_PASSWORD: admin.password
    }
  })
  const server = { pid: /** @type {number} */ (child.pid), runDir }
  running.add(server)
  installHooks()
  closeSync(logFd)
  // A test that forgets stop() must not hang its process: the exit hook kills the server instead.
  child.unref()
  const stdin = /** @type {import('node:net').Socket} */ (/** @type {unknown} */ (child.stdin))
  stdin.unref()
  /** @type {Promise<number | null>} */
  const exited = new Promise(resolve => child.once('exit', code => resolve(code)))
  let exitCode = /** @type {number | null | undefined} */ (undefined)
  void exited.then(code => (exitCode = code))

  let stopping
  const stop = () =>
    (stopping ??= (async () => {
      stdin.end() // the watchdog turns this into SIGTERM for kc.sh, which forwards it to Java
      const killer = setTimeout(() => killNow(server), 15_000)
      await exited
      clearTimeout(killer)
      // Anything of the group that outlived kc.sh: the watchdog's cat, or a Java whose kc.sh was stopped before
      // it could install its signal trap. Wait (briefly) for it to be gone before removing its directory.
      for (let wait = 0; wait < 20 && groupAlive(server.pid); wait++) {
        process.kill(-server.pid, 'SIGKILL')
        await new Promise(resolve => setTimeout(resolve, 100))
      }
      running.delete(server)
      rmSync(runDir, { recursive: true, force: true })
    })())

  const wellKnown = `${realmUrl}/.well-known/openid-configuration`
  try {
    for (;;) {
      if (exitCode !== undefined) {
        throw new Error(
          `Keycloak exited (code ${exitCode}) before ${wellKnown} answered. Last lines of its log:\n${tail(logFile)}`
        )
      }
      if (Date.now() - started > timeoutMs) {
        throw new Error(
          `Keycloak did not answer ${wellKnown} within ${timeoutMs / 1000} s. Last lines of its log:\n${tail(logFile)}`
        )
      }
      const response = await fetch(wellKnown, { signal: AbortSignal.timeout(2000) }).catch(() => undefined)
      if (response?.status === 200) break
      await response?.body?.cancel()
      await new Promise(resolve => setTimeout(resolve, 200))
    }
  } catch (error) {
    await stop()
    throw error
  }
  const startupMs = Date.now() - started

  let adminToken = { value: '', expiresAt: 0 }
  const adminRequest = async (method, path, body) => {
    if (Date.now() > adminToken.expiresAt) {
      const response = await fetch(`${baseUrl}/realms/master/protocol/openid-connect/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', ...admin })
      })
      const token = await response.json()
      if (!response.ok) throw new Error(`admin login failed: ${response.status} ${JSON.stringify(token)}`)
      adminToken = { value: token.access_token, expiresAt: Date.now() + (token.expires_in - 10) * 1000 }
    }
    const response = await fetch(`${baseUrl}/admin/realms/${REALM}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${adminToken.value}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' })
      },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    const text = await response.text()
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`)
    return text ? JSON.parse(text) : undefined
  }

  const setClientAttributes = async (clientId, attributes) => {
    const [client] = await adminRequest('GET', `/clients?clientId=${encodeURIComponent(clientId)}`)
    if (!client) throw new Error(`no client ${clientId} in ${REALM}`)
    client.attributes = { ...client.attributes, ...attributes }
    await adminRequest('PUT', `/clients/${client.id}`, client)
  }
  const setClientJwks = (clientId, jwks) =>
    setClientAttributes(clientId, {
      'use.jwks.url': 'false',
      'use.jwks.string': 'true',
      'jwks.string': JSON.stringify(jwks)
    })

  return {
    version: serverVersion,
    baseUrl,
    port,
    realm: REALM,
    realmUrl,
    issuer: realmUrl,
    tokenEndpoint: `${realmUrl}/protocol/openid-connect/token`,
    introspectionEndpoint: `${realmUrl}/protocol/openid-connect/token/introspect`,
    revocationEndpoint: `${realmUrl}/protocol/openid-connect/revoke`,
    adminUrl: `${baseUrl}/admin/realms/${REALM}`,
    admin,
    adminRequest,
    setClientAttributes,
    setClientJwks,
    home,
    runDir,
    logFile,
    startupMs,
    exited,
    stop
  }
}

async function main() {
  const [command] = process.argv.slice(2)
  if (command === 'fetch') {
    // The versions given, else KEYCLOAK_VERSION, else every version the suite runs against.
    const given = process.argv.slice(3)
    const versions = given.length
      ? given
      : process.env.KEYCLOAK_VERSION
        ? [process.env.KEYCLOAK_VERSION]
        : SUITE_VERSIONS
    const java = findJava()
    for (const version of versions) console.log(ensureDistribution({ version, java }))
  } else if (command === 'start') {
    const kc = await startKeycloak()
    console.log(kc.baseUrl)
    const ready = (kc.startupMs / 1000).toFixed(1)
    log(`issuer ${kc.issuer}, admin ${kc.admin.username} / ${kc.admin.password}, ready in ${ready} s`)
    log(`log ${kc.logFile}; Ctrl-C stops it`)
    const keepAlive = setInterval(() => {}, 1 << 30) // the server's handles are unref'd
    const code = await kc.exited
    clearInterval(keepAlive)
    log(`Keycloak exited unexpectedly (code ${code}); last lines of its log:\n${tail(kc.logFile)}`)
    process.exitCode = 1
  } else {
    console.error('usage: node scripts/keycloak.mjs fetch [version...] | start')
    process.exitCode = 2
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch(error => {
    console.error(error instanceof Error ? error.message : error)
    process.exitCode = 1
  })
}
