/**
 * The forward proxy the runner's environment names (HTTPS_PROXY / HTTP_PROXY / NO_PROXY, either case), as
 * `@actions/http-client` will use it: for the log, without credentials, and its credentials for masking.
 */
import { getProxyUrl } from '@actions/http-client/lib/proxy'

const PROXY_VARIABLES = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'] as const

/** User names and passwords inside proxy URLs, in every form they could be printed. */
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
    for (const part of [url.password, url.username]) {
      if (!part) continue
      secrets.add(part)
      try {
        secrets.add(decodeURIComponent(part))
      } catch {
        // not percent-encoded: the raw form is masked already
      }
    }
  }
  return [...secrets]
}

/** "http://proxy.corp:3128" for the log (no credentials), or undefined when the request goes direct. */
export function proxyFor(url: string): string | undefined {
  const proxy = getProxyUrl(new URL(url))
  if (!proxy?.hostname) return undefined
  return `${proxy.protocol}//${proxy.host}`
}
