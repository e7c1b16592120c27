/**
 * A loopback stand-in for GitHub's OIDC service as a job sees it: `ACTIONS_ID_TOKEN_REQUEST_URL` answers a
 * GET with `Authorization: Bearer <ACTIONS_ID_TOKEN_REQUEST_TOKEN>` and `&audience=` with `{"value": <jwt>}`
 * (as @actions/core's OidcClient calls it). Tokens carry GitHub's claim set, are signed RS256 with a key
 * published at `<issuer>/.well-known/openid-configuration` and `<issuer>/.well-known/jwks`, like
 * https://token.actions.githubusercontent.com. Options make tokens wrong on purpose, for negative cases.
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, SignJWT } from 'jose'

export const REPOSITORY = 'binarly-io/firmware-pipeline'
export const SUBJECT = `repo:${REPOSITORY}:ref:refs/heads/main`

export interface GitHubOidcOptions {
  /** The token's sub instead of SUBJECT. */
  sub?: string
  /** The token's aud instead of the requested audience. */
  audience?: string
  /** Issue tokens that expired a minute ago. */
  expired?: boolean
  /** Answer token requests with this HTTP status instead. */
  failWith?: number
  /** Hand out the previous token again (same jti), as a replaying attacker would present it. */
  replay?: boolean
}

export interface IdTokenRequest {
  /** The `audience` query parameter, when sent. */
  audience: string | undefined
  /** Whether the bearer token was the request token. */
  authorized: boolean
  status: number
}

export interface GitHubOidc {
  issuer: string
  /** The job's environment: what the runner sets with `permissions: id-token: write`. */
  env: { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string }
  requests: IdTokenRequest[]
  /** Every token handed out, for leak checks. */
  issued: string[]
  /** Changes how later tokens are made (replaces the previous options). */
  configure(options: GitHubOidcOptions): void
  /** A token as the service would issue it now, for tests that send assertions themselves. */
  mint(audience: string): Promise<string>
  close(): Promise<void>
}

export async function startGitHubOidc(initial: GitHubOidcOptions = {}): Promise<GitHubOidc> {
  let options = initial
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const kid = randomBytes(16).toString('hex')
  const jwk = { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' }
  const requestToken = randomBytes(24).toString('base64url')
  const requests: IdTokenRequest[] = []
  const issued: string[] = []

  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const issuer = `http://127.0.0.1:${port}`

  /** GitHub's claim set (docs: "Understanding the OIDC token"), for a push to main. */
  const mint = async (requested: string): Promise<string> => {
    const now = Math.floor(Date.now() / 1000)
    const iat = options.expired ? now - 360 : now
    const token = await new SignJWT({
      ref: 'refs/heads/main',
      sha: 'd6fde92930d4715a2b49857d24b940956b26d2d3',
      repository: REPOSITORY,
      repository_owner: REPOSITORY.split('/')[0],
      repository_owner_id: '65',
      repository_id: '74',
      repository_visibility: 'private',
      run_id: '4242',
      run_number: '10',
      run_attempt: '1',
      runner_environment: 'github-hosted',
      actor: 'octocat',
      actor_id: '12',
      workflow: 'Scan firmware',
      workflow_ref: `${REPOSITORY}/.github/workflows/scan.yml@refs/heads/main`,
      job_workflow_ref: `${REPOSITORY}/.github/workflows/scan.yml@refs/heads/main`,
      event_name: 'push',
      ref_type: 'branch',
      head_ref: '',
      base_ref: ''
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
      .setJti(randomUUID())
      .setIssuer(issuer)
      .setSubject(options.sub ?? SUBJECT)
      .setAudience(options.audience ?? requested)
      .setNotBefore(iat - 10)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 300)
      .sign(privateKey)
    issued.push(token)
    return token
  }

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body))
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', issuer)
    if (req.method === 'GET' && url.pathname === '/.well-known/openid-configuration') {
      return send(res, 200, {
        issuer,
        jwks_uri: `${issuer}/.well-known/jwks`,
        subject_types_supported: ['public', 'pairwise'],
        response_types_supported: ['id_token'],
        claims_supported: ['sub', 'aud', 'exp', 'iat', 'iss', 'jti', 'nbf', 'ref', 'repository', 'job_workflow_ref'],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid']
      })
    }
    if (req.method === 'GET' && url.pathname === '/.well-known/jwks') return send(res, 200, { keys: [jwk] })
    if (req.method === 'GET' && url.pathname === '/_apis/oidc/token') {
      const authorized = req.headers.authorization === `Bearer ${requestToken}`
      const audience = url.searchParams.get('audience') ?? undefined
      const status = !authorized ? 401 : (options.failWith ?? 200)
      requests.push({ audience, authorized, status })
      if (status !== 200) return send(res, status, { message: 'stand-in failure' })
      const previous = issued.at(-1)
      // Without an audience GitHub uses the repository owner's URL.
      const value =
        options.replay && previous ? previous : await mint(audience ?? `https://github.com/${REPOSITORY.split('/')[0]}`)
      return send(res, 200, { count: issued.length, value })
    }
    send(res, 404, { message: 'Not Found' })
  }
  server.on('request', (req, res) => {
    handle(req, res).catch(() => send(res, 500, { message: 'stand-in error' }))
  })

  return {
    issuer,
    env: {
      // The runner's URL already has a query (api-version); OidcClient appends `&audience=`.
      ACTIONS_ID_TOKEN_REQUEST_URL: `${issuer}/_apis/oidc/token?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken
    },
    requests,
    issued,
    configure: next => {
      options = next
    },
    mint,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
