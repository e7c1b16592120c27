/**
 * The forms a secret of the config can take in a request or a log: what the runner is asked to mask and what
 * redaction looks for. Its own module, so that what only needs these (the token agent's exchange) does not
 * carry the input parsing of config.ts.
 */
import type { Config } from '../common/config.js'

/**
 * Every secret value of the config, in every form the action could ever hand to a log: the runner masks
 * each of them. (Multi-line values are masked line by line too, since the runner matches lines.)
 */
export function secretsOf(config: Pick<Config, 'clientAuth' | 'sharePassphrase'>): string[] {
  const values: string[] = []
  const auth = config.clientAuth
  if (auth.method !== 'github_oidc' && auth.method !== 'private_key_jwt') values.push(auth.clientSecret)
  if (auth.method === 'private_key_jwt') values.push(auth.privateKey)
  if (config.sharePassphrase) values.push(config.sharePassphrase)
  const forms = new Set<string>()
  for (const value of values) {
    forms.add(value)
    forms.add(encodeURIComponent(value))
    forms.add(formEncode(value))
    for (const line of value.split(/\r?\n/)) {
      const trimmed = line.trim()
      if (trimmed.length >= 8 && !/^-----(BEGIN|END) /.test(trimmed)) forms.add(trimmed)
    }
  }
  return [...forms].filter(v => v.length > 0)
}

/** `application/x-www-form-urlencoded` encoding of one value (what URLSearchParams does). */
export function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2)
}
