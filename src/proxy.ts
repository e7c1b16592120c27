/**
 * The forward proxy the runner's environment names (HTTPS_PROXY / HTTP_PROXY / NO_PROXY, either case), as
 * `@actions/http-client` will use it: for the log, without credentials, and its credentials for masking.
 */
import { getProxyUrl } from '@actions/http-client'

const PROXY_VARIABLES = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'] as const

/**
 * Passwords inside proxy URLs, as written and decoded. User names are not secret, and masking one (often a
 * single letter) would hide every occurrence of it in the log and make the runner drop job outputs.
 */
export function proxySecrets(env: NodeJS.ProcessEnv): string[] {
  const secrets = new Set<string>()
  for (const name of PROXY_VARIABLES) {
    const value = env[name]
    if (!value) continue
    let url: URL
    try {
      url = new URL(value.includes('://') ? value : `http://${value}`)
    } catch {
      continue
    }
    const password = url.password
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

/** "http://proxy.corp:3128" for the log (no credentials), or undefined when the request goes direct. */
export function proxyFor(url: string): string | undefined {
  const proxy = getProxyUrl(url)
  if (!proxy) return undefined
  const parsed = new URL(proxy)
  return `${parsed.protocol}//${parsed.host}`
}
