/** GitHub's OIDC identity as the client credential (auth-method github_oidc). */
import { InputError } from './errors.js'

/** The runner sets these only when the job has `permissions: id-token: write`. */
export function requireIdTokenPermission(env: NodeJS.ProcessEnv): void {
  if (!env.ACTIONS_ID_TOKEN_REQUEST_URL || !env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    throw new InputError(
      'auth-method',
      'github_oidc needs a GitHub OIDC token, and this job may not request one: add "permissions: id-token: write" to the job (or workflow). Pull requests from forks never get one.'
    )
  }
}
