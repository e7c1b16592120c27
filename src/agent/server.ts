/**
 * The per-job token agent behind `binarly-token`: a small detached program the main step starts (with
 * token-command: true) and the post step stops. It gets its configuration, the client credential included,
 * over the IPC pipe from the main step (never argv, env or disk), keeps it in memory, and answers requests on
 * a Unix socket in a 0700 directory (a named pipe with an unguessable name on Windows) from callers that
 * present the per-job key. Only the post step can stop it: its stop proves it knows the stop key the main
 * step saved in its state, and the answer (every token minted, with who asked for it and when) proves the
 * same, so that nothing else that listens there can pass for the agent. It hands out the current token while it is valid long enough, else makes one
 * exchange (the main step's code) that concurrent callers share. It ends when the post step stops it, or by
 * itself when the job is gone: its directory removed (RUNNER_TEMP emptied), the runner process that started
 * the main step gone, or a maximum lifetime reached.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { existsSync, rmSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import type {
  AgentRequest,
  MintSource,
  RenewRequest,
  StopRequest,
  TokenAnswer,
  TokenRequest,
  WireToken
} from './protocol.js'
import { MAX_LINE_BYTES, MAX_MIN_VALIDITY } from './protocol.js'
import type { Attempts } from '../net/attempts.js'
import type { Config } from '../common/config.js'
import { resolveEndpoints, type Endpoints } from '../oauth/endpoints.js'
import { describeError } from '../common/errors.js'
import { oidcAudience } from '../oauth/github-oidc.js'
import { issuedToken, type IssuedToken } from '../runner/outputs.js'
import { BASE_DELAY_MS, MAX_DELAY_MS, type Clock } from '../net/retry.js'
import { TokenCache } from './cache.js'
import { TokenLedger } from './ledger.js'
import { AnswerProof, requestProof, sameProof } from './stop-proof.js'
import { requestToken } from '../oauth/token-request.js'
import { revokeTimeoutMs, revokeToken } from '../oauth/revoke.js'
import type { Transport } from '../net/http.js'

/** What the main step hands the agent over the IPC pipe (JSON: dates as ISO strings, the URL as text). */
export interface AgentSetup {
  config: Omit<Config, 'authUrl' | 'warnings'> & { authUrl: string }
  /** The endpoints the main step used; undefined when it reused a shared-token (no request made). */
  endpoints: Endpoints | undefined
  /** The main step's token: the first one handed out. */
  token: Omit<IssuedToken, 'expiresAt'> & { expiresAt: string | undefined }
  /**
   * Whether other jobs of the run use the main step's token (share, or shared-token): a renewal replaces it
   * for this job only and never revokes it, or every other job of the matrix would lose it.
   */
  sharedToken: boolean
  socket: string
  /** The agent's directory: its removal ends the agent. */
  dir: string
  /** Directories to remove when the agent ends (its own, and a socket directory elsewhere if any). */
  cleanup: string[]
  key: string
  /** The key of the post step's stop (GITHUB_STATE), apart from the callers' key (agent.json). */
  stopKey: string
  /** The process that started the main step (the runner worker); its end ends the agent. */
  watchPid: number | undefined
  maxLifetimeMs: number
}

export interface AgentDeps {
  transport: Transport
  clock: Clock
  /** Asks GitHub's OIDC service for a token (requestIdToken), within `timeoutMs`. */
  getIDToken(audience: string, timeoutMs: number): Promise<string>
  /** Trusts the ca-certificate CAs for every TLS connection of the process. */
  trustCAs(pem: string): number
  /** Whether a process is still there. */
  alive(pid: number): boolean
  /** Ends the process (after the agent cleaned up). */
  exit(code: number): void
  /** How often the agent looks whether its job is gone. */
  watchEveryMs: number
  /** How long a connection may take to send its request line (default REQUEST_WAIT_MS). */
  requestWaitMs?: number
  /** How many connections may be open at once (default MAX_CONNECTIONS). */
  maxConnections?: number
}

/** A connection sends its request line within this long, or is closed (a caller sends it at once). */
export const REQUEST_WAIT_MS = 10_000
/** Connections open at once; one more is closed as it comes. */
export const MAX_CONNECTIONS = 32
/** Bytes of unfinished request lines the agent holds over all its connections. */
const MAX_BUFFERED_BYTES = 2 * MAX_LINE_BYTES
const NEWLINE = 0x0a

export interface RunningAgent {
  server: Server
  stop(): void
}

/** Starts listening; resolves once callers can connect. */
export async function startAgent(setup: AgentSetup, deps: AgentDeps): Promise<RunningAgent> {
  const config: Config = { ...setup.config, authUrl: new URL(setup.config.authUrl), warnings: [] }
  if (config.caCertificate) deps.trustCAs(config.caCertificate)
  let endpoints = setup.endpoints
  /** The audience of the GitHub OIDC tokens the last exchange used (github_oidc), for a renewal's revocation. */
  let audience: string | undefined
  const started = deps.clock.now()

  /** The retry policy of one exchange (or revocation's discovery), within the timeout input. */
  const attemptsNow = (): Attempts => ({
    policy: {
      retries: config.retries,
      deadline: deps.clock.now() + config.timeoutMs,
      baseDelayMs: BASE_DELAY_MS,
      maxDelayMs: MAX_DELAY_MS
    },
    totalMs: config.timeoutMs,
    clock: deps.clock,
    log: SILENT
  })
  /** The client's own authentication, as in the exchange (a fresh GitHub ID token, by `deadline`). */
  const clientAuth = (deadline: number) => ({
    clientId: config.clientId,
    oidcAudience: audience,
    getIDToken: (aud: string) => deps.getIDToken(aud, Math.max(1, deadline - deps.clock.now())),
    now: () => deps.clock.now()
  })

  const exchange = async (): Promise<IssuedToken> => {
    const attempts = attemptsNow()
    endpoints ??= await resolveEndpoints(config.authUrl, deps.transport, attempts)
    audience = oidcAudience(config, endpoints)
    const response = await requestToken(config, endpoints.tokenEndpoint, {
      transport: deps.transport,
      attempts,
      // Nothing the agent holds is ever printed: it has no log.
      setSecret: () => undefined,
      // Bounded by what is left of timeout, as in the main step.
      auth: clientAuth(attempts.policy.deadline)
    })
    return issuedToken(response, deps.clock.now())
  }

  /** A refused token, revoked for `binarly-token --renew` as the post step revokes (unless revoke: false). */
  const revokeRefused = async (token: IssuedToken): Promise<boolean> => {
    if (!config.revoke) return false
    endpoints ??= await resolveEndpoints(config.authUrl, deps.transport, attemptsNow())
    const { revocationEndpoint, tokenEndpoint } = endpoints
    if (!revocationEndpoint) return false
    audience = oidcAudience(config, endpoints)
    await revokeToken(
      config,
      { token: token.accessToken, revocationEndpoint, tokenEndpoint, expiresAt: token.expiresAt?.toISOString() ?? '' },
      {
        transport: deps.transport,
        clock: deps.clock,
        log: SILENT,
        setSecret: () => undefined,
        auth: clientAuth(deps.clock.now() + revokeTimeoutMs(config))
      }
    )
    return true
  }
  const initial: IssuedToken = {
    ...setup.token,
    expiresAt: setup.token.expiresAt ? new Date(setup.token.expiresAt) : undefined
  }
  /** Every token minted, those of exchanges that finished after their caller had given up included. */
  const ledger = new TokenLedger()
  /** Exchanges still running: the stop waits for them, so that every token minted is handed over. */
  const running = new Set<Promise<unknown>>()
  /**
   * One exchange, noted in the ledger under `source` (a renewal notes 'renewal'), bounded for the caller by
   * the timeout input; a token that comes after the caller gave up is noted all the same.
   */
  const mint = (source: MintSource): Promise<IssuedToken> => {
    const work = exchange().then(token => {
      ledger.add(token, source, deps.clock.now())
      return token
    })
    const settled = work.catch(() => undefined).finally(() => running.delete(settled))
    running.add(settled)
    return withDeadline(work, config.timeoutMs)
  }
  const cache = new TokenCache(
    initial,
    () => mint('binarly-token'),
    () => deps.clock.now(),
    async refused => {
      if (setup.sharedToken && refused === initial) return
      if (await revokeRefused(refused)) ledger.revokedAtRenewal(refused, deps.clock.now())
    }
  )

  const key = digest(setup.key)
  /** Set by the post step's "stop": no new exchange may start, so that every token minted gets revoked. */
  let stopping = false
  /** The stop answer's lines (each a record, then the end with its proof); the agent takes no new exchange. */
  const stopAnswer = async (request: StopRequest): Promise<string[]> => {
    stopping = true
    await cache.settled()
    await Promise.all([...running])
    const proof = new AnswerProof(setup.stopKey, request.nonce)
    // Who minted each token: the cache knows which exchanges were renewals of a refused token.
    for (const entry of ledger.entries)
      entry.source = cache.sourceOf(entry.token, setup.sharedToken ? initial : undefined)
    const lines = ledger.stopLines(deps.clock.now()).map(line => JSON.stringify(line))
    for (const line of lines) proof.line(line)
    return [...lines, JSON.stringify({ end: true, count: lines.length, proof: proof.proof() })]
  }
  const server = createServer(socket => serve(socket))
  let stopped = false
  const stop = (): void => {
    if (stopped) return
    stopped = true
    clearInterval(watch)
    server.close()
    for (const dir of setup.cleanup) rmSync(dir, { recursive: true, force: true })
    deps.exit(0)
  }

  const answer = async (request: TokenRequest | RenewRequest): Promise<TokenAnswer> => {
    if (stopping) {
      return {
        ok: false,
        error:
          "the job's post step is stopping the token agent: call binarly-token only in steps that run before the post step of binarly-m2m-auth."
      }
    }
    const minValidity = request.minValidity ?? config.minValiditySeconds
    try {
      const { token, fresh, shortLived } =
        request.op === 'renew' ? await cache.renew(request.refused, minValidity) : await cache.get(minValidity)
      return {
        ok: true,
        token: wire(token),
        fresh,
        minValidity,
        ...(shortLived === undefined ? {} : { shortLived }),
        authUrl: config.authUrl.href
      }
    } catch (error) {
      return { ok: false, error: describeError(error) }
    }
  }

  /** Bytes of request lines read and not yet complete, over every connection. */
  let buffered = 0
  const requestWaitMs = deps.requestWaitMs ?? REQUEST_WAIT_MS
  const serve = (socket: Socket): void => {
    const chunks: Buffer[] = []
    let size = 0
    const release = (): void => {
      buffered -= size
      size = 0
    }
    // The request line comes within requestWaitMs, idle or trickled alike; once answered, a caller that
    // does not read the answer is let go after as long.
    const deadline = setTimeout(() => socket.destroy(), requestWaitMs)
    const done = (last: string): void => {
      socket.setTimeout(requestWaitMs, () => socket.destroy())
      socket.end(last)
    }
    socket.on('error', () => socket.destroy())
    socket.on('close', () => {
      clearTimeout(deadline)
      release()
    })
    socket.on('data', function read(chunk: Buffer) {
      // Only the new chunk is searched: a long request costs one pass. Bytes count, not characters.
      const newline = chunk.indexOf(NEWLINE)
      const part = newline < 0 ? chunk : chunk.subarray(0, newline)
      size += part.length
      buffered += part.length
      if (size > MAX_LINE_BYTES || buffered > MAX_BUFFERED_BYTES) return void socket.destroy()
      chunks.push(part)
      if (newline < 0) return
      // One request per connection: whatever follows the first line is not read.
      socket.off('data', read)
      clearTimeout(deadline)
      const text = Buffer.concat(chunks).toString('utf8')
      chunks.length = 0
      release()
      const request = parseRequest(text, key, setup.stopKey)
      if (!request) {
        done(`${JSON.stringify({ ok: false, error: 'the request was refused (wrong key, or not a request)' })}\n`)
        return
      }
      // The post step's "stop": answered one record a line, then the agent ends (also if the post step hangs
      // up first).
      if (request.op === 'stop') {
        socket.once('close', stop)
        void stopAnswer(request).then(lines => {
          const last = lines.pop()
          for (const answerLine of lines) socket.write(`${answerLine}\n`)
          done(`${String(last)}\n`)
        })
        return
      }
      void answer(request).then(reply => done(`${JSON.stringify(reply)}\n`))
    })
  }
  server.maxConnections = deps.maxConnections ?? MAX_CONNECTIONS

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(setup.socket, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const watch = setInterval(() => {
    const jobGone =
      !existsSync(setup.dir) ||
      (setup.watchPid !== undefined && !deps.alive(setup.watchPid)) ||
      deps.clock.now() - started > setup.maxLifetimeMs
    if (jobGone) stop()
  }, deps.watchEveryMs)

  return { server, stop }
}

/** The agent has no log: nothing it does is printed. */
const SILENT = { info: () => undefined, debug: () => undefined }

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

/** A nonce shorter or longer than this is not the post step's. */
const NONCE_LENGTH = { min: 32, max: 256 }

/** A request with the right key (a stop: with the right proof), or undefined. */
export function parseRequest(line: string, key: Buffer, stopKey: string): AgentRequest | undefined {
  let request: unknown
  try {
    request = JSON.parse(line)
  } catch {
    return undefined
  }
  if (request === null || typeof request !== 'object') return undefined
  const r = request as Record<string, unknown>
  if (r.op === 'stop') {
    const { nonce, proof } = r
    if (typeof nonce !== 'string' || nonce.length < NONCE_LENGTH.min || nonce.length > NONCE_LENGTH.max)
      return undefined
    if (typeof proof !== 'string' || !sameProof(proof, requestProof(stopKey, nonce))) return undefined
    return { op: 'stop', nonce, proof }
  }
  if (typeof r.key !== 'string' || !timingSafeEqual(digest(r.key), key)) return undefined
  if (r.op !== 'token' && r.op !== 'renew') return undefined
  if (r.minValidity !== undefined) {
    if (typeof r.minValidity !== 'number' || !Number.isInteger(r.minValidity) || r.minValidity < 0) return undefined
    // As the command bounds --min-validity.
    if (r.minValidity > MAX_MIN_VALIDITY) return undefined
  }
  const minValidity = r.minValidity === undefined ? {} : { minValidity: r.minValidity }
  if (r.op === 'token') return { key: r.key, op: 'token', ...minValidity }
  if (typeof r.refused !== 'string' || !r.refused) return undefined
  return { key: r.key, op: 'renew', refused: r.refused, ...minValidity }
}

function wire(token: IssuedToken): WireToken {
  return {
    access_token: token.accessToken,
    token_type: token.tokenType,
    expires_at: token.expiresAt?.toISOString() ?? null,
    scope: token.scope ?? null
  }
}

/**
 * The exchange, or a failure once the timeout input is over (with a second's grace, so that the exchange's
 * own deadline speaks first when it can): a caller never waits much past it.
 */
function withDeadline<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `getting a new token took longer than the timeout input (${Math.round(timeoutMs / 1000)} s): raise timeout, or check the network between the runner and auth-url.`
          )
        ),
      timeoutMs + 1000
    )
  })
  work.catch(() => undefined)
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer))
}
