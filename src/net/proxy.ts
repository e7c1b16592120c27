/**
 * The forward proxy the runner's environment names (HTTPS_PROXY / HTTP_PROXY / NO_PROXY, either case), as
 * `@actions/http-client` will use it, for the log and without credentials (its credentials, for masking, are
 * proxy-secrets.ts's).
 */
import { getProxyUrl } from '@actions/http-client/lib/proxy'

/** "http://proxy.corp:3128" for the log (no credentials), or undefined when the request goes direct. */
export function proxyFor(url: string): string | undefined {
  const proxy = getProxyUrl(new URL(url))
  if (!proxy?.hostname) return undefined
  return `${proxy.protocol}//${proxy.host}`
}
