/** The first thing each step does once it has its config: mask every secret the inputs and environment hold. */
import type { Config } from '../common/config.js'
import { secretsOf } from '../oauth/secret-forms.js'
import { proxySecrets } from '../net/proxy-secrets.js'

export function maskConfiguredSecrets(
  config: Config,
  env: NodeJS.ProcessEnv,
  setSecret: (value: string) => void
): void {
  for (const secret of [...secretsOf(config), ...proxySecrets(env)]) setSecret(secret)
}
