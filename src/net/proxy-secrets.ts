/**
 * The secrets in the proxy variables of the runner's environment, for masking. Apart from proxy.ts, so that
 * the token agent, which never masks, carries no copy of it.
 */

const PROXY_VARIABLES = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'] as const

/**
 * Passwords inside proxy URLs, as written and decoded. User names are not secret, and masking one (often a
 * single letter) would hide every occurrence of it in the log and make the runner drop job outputs.
 */
export function proxySecrets(env: NodeJS.ProcessEnv): string[] {
  const secrets = new Set<string>()
  for (const name of PROXY_VARIABLES) {
    const password = proxyPassword(env[name])
    if (!password) continue
    secrets.add(password)
    try {
      secrets.add(decodeURIComponent(password))
    } catch {
      // not percent-encoded: the raw form is masked already
    }
  }
  return [...secrets]
}

/** The password in a proxy URL as written (percent-encoded), or '' when it has none or is no URL. */
export function proxyPassword(value: string | undefined): string {
  if (!value) return ''
  try {
    return new URL(value.includes('://') ? value : `http://${value}`).password
  } catch {
    return ''
  }
}
