/**
 * The API URL when api-url is empty: only for a Binarly SaaS Auth URL, https://auth-<slug>.binarly.cloud/…,
 * whose API a third-party description of Binarly's API (api-evangelist/binarly, its agent-skill files; see
 * docs/binarly-scan.md) gives as https://dashboard-<slug>.binarly.cloud. Binarly's own docs give no API URL.
 * The Auth URL is the one the job's token agent exchanges at (its answer; set by the sign-in step's inputs),
 * and whatever it says, a derived host is always dashboard-<slug>.binarly.cloud. Pure.
 */
import { InputError } from '../common/errors.js'

const SAAS_AUTH = /^https:\/\/auth-([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\.binarly\.cloud(?::443)?(?:\/|$)/

/** The API URL, and the log line that says where it comes from. */
export function deriveApiUrl(authUrl: string | undefined): { url: URL; notice: string } {
  const slug = SAAS_AUTH.exec(authUrl ?? '')?.[1]
  if (!slug) {
    throw new InputError(
      'api-url',
      "is empty, and it can be derived only from a Binarly SaaS Auth URL (https://auth-<slug>.binarly.cloud/…), which the sign-in step's is not: set api-url to the base URL of your Binarly API (ask Binarly support, or the admin of your on-premises installation)."
    )
  }
  const url = new URL(`https://dashboard-${slug}.binarly.cloud`)
  return {
    url,
    notice: `api-url is empty: using ${url.origin}, derived from the sign-in step's Auth URL as a third-party description of Binarly's API gives it (Binarly's docs do not); set api-url if yours differs.`
  }
}
