/**
 * One token for a whole matrix: reuse the `shared-token` of an earlier job of the run instead of an
 * exchange, or seal a fresh token as the `shared-token` output (`share: true`). The cryptography is in
 * share/seal.ts; this module picks the key material and the run binding, and tells the user what happened.
 * Sharing never fails a job: whatever goes wrong is a warning, and the job exchanges its own credentials.
 */
import type { Config } from '../common/config.js'
import type { Deps } from '../runner/deps.js'
import { InputError } from '../common/errors.js'
import type { IssuedToken } from '../runner/outputs.js'
import { deriveShareKey, seal, sealWithout, unseal, type ShareBinding } from './seal.js'

const OWN_EXCHANGE = "Exchanging this job's own credentials instead."

/** The secret the sealing key comes from: share-passphrase, else the client credential every job holds. */
export function shareSecret(config: Config): string {
  if (config.sharePassphrase) return config.sharePassphrase
  const auth = config.clientAuth
  switch (auth.method) {
    case 'private_key_jwt':
      // The same key, whether passed as text or as a file, with CRLF or LF, with or without a final newline.
      return auth.privateKey.replace(/\r\n/g, '\n').trim()
    case 'github_oidc':
      // readConfig already demands it whenever sharing is asked for; this keeps the function total.
      throw new InputError('share-passphrase', 'is required to share a token with auth-method github_oidc.')
    default:
      return auth.clientSecret
  }
}

/** The run a sealed value belongs to (from the variables the runner sets), and the inputs the token is for. */
export function shareBinding(config: Config, env: NodeJS.ProcessEnv): ShareBinding | undefined {
  const { GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId } = env
  if (!repository || !runId) return undefined
  const { clientId, scope, audience, resources } = config
  return { repository, runId, clientId, authUrl: config.authUrl.href, scope, audience, resources }
}

const NO_BINDING =
  'GITHUB_REPOSITORY and GITHUB_RUN_ID are not set (is this a GitHub Actions runner?), and a shared token is bound to them'

/**
 * The token sealed in `shared-token`, masked already, or undefined (after a warning saying why) when it
 * cannot be used. Makes no request.
 */
export function reuseSharedToken(config: Config, deps: Pick<Deps, 'core' | 'env' | 'clock'>): IssuedToken | undefined {
  const { core } = deps
  if (!config.sharedToken) return undefined
  const binding = shareBinding(config, deps.env)
  if (!binding) {
    core.warning(`shared-token is ignored: ${NO_BINDING}. ${OWN_EXCHANGE}`)
    return undefined
  }
  const now = deps.clock.now()
  const result = unseal(
    config.sharedToken,
    deriveShareKey(shareSecret(config)),
    binding,
    now,
    config.minValiditySeconds
  )
  if (!result.ok) {
    core.warning(`shared-token cannot be used: ${result.why}. ${OWN_EXCHANGE}`)
    return undefined
  }
  const { token } = result
  core.setSecret(token.accessToken)
  return {
    accessToken: token.accessToken,
    tokenType: token.tokenType,
    // What is left of its lifetime, so that expires-in and expires-at agree as after an exchange.
    expiresIn: Math.floor((token.expiresAt.getTime() - now) / 1000),
    expiresAt: token.expiresAt,
    scope: token.scope
  }
}

/**
 * With `share: true`, sets the `shared-token` output. Returns whether the token is now shared (and so must
 * outlive this job). Call only with a masked token; `masked` is every value this step masked, none of which
 * (nor the client ID, often a secret too) may be in the output, or the runner would not pass it on.
 */
export function shareToken(
  config: Config,
  token: IssuedToken,
  deps: Pick<Deps, 'core' | 'env'>,
  masked: readonly string[]
): boolean {
  const { core } = deps
  if (!config.share) return false
  const { expiresAt } = token
  if (!expiresAt) {
    core.warning(
      'share: the token is not shared, since the server did not say when it expires (no expires_in), so the other jobs could not check it is still valid; they will exchange their own credentials.'
    )
    return false
  }
  const binding = shareBinding(config, deps.env)
  if (!binding) {
    core.warning(`share: the token is not shared: ${NO_BINDING}.`)
    return false
  }
  const key = deriveShareKey(shareSecret(config))
  const sealed = sealWithout(() => seal({ ...token, expiresAt }, key, binding), [config.clientId, ...masked])
  if (!sealed) {
    const shortest = Math.min(...masked.filter(Boolean).map(value => value.length), config.clientId.length)
    core.warning(
      `share: the token is not shared: every sealing contained the client ID or a value this step masked (the shortest is ${shortest} character${shortest === 1 ? '' : 's'} long), and the runner drops a job output holding one; use longer secrets (a proxy password, a client ID), and the other jobs will exchange their own credentials meanwhile.`
    )
    return false
  }
  core.setOutput('shared-token', sealed)
  core.info(
    `Sealed the token as the shared-token output, for the other jobs of ${binding.repository} run ${binding.runId}.`
  )
  return true
}
