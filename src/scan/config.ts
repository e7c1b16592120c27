/**
 * Every input of the scan step (scan/action.yml), read once and checked in one place into one typed config,
 * with the main action's parsers for the inputs both share (allow-http, ca-certificate, timeout, retries).
 * Nothing here touches the network or the file's content; a bad input fails with its name and what to change.
 */
import {
  isLoopbackHost,
  loggable,
  NETWORK_LIMITS,
  parseBoolean,
  parseCaCertificate,
  parseNumber,
  type ConfigIO,
  type InputReader
} from '../common/inputs.js'
import { InputError } from '../common/errors.js'
import { checkProductId } from './answers.js'

/** The issue statuses Binarly's findings grid filters on (its verify-results use case). */
export const ISSUE_STATUSES = ['new', 'inProgress', 'remediated', 'rejected'] as const
export type IssueStatus = (typeof ISSUE_STATUSES)[number]
/** The severities Binarly's findings grid filters on. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'informational'] as const
export type Severity = (typeof SEVERITIES)[number]

export interface ScanConfig {
  /** `image`: the firmware file to upload (a path, as given). */
  image: string
  /** `product-id`: the bare ULID; undefined when `product-name` creates a product. */
  productId: string | undefined
  productName: string | undefined
  imageName: string | undefined
  imageVersion: string | undefined
  failOnStatus: IssueStatus[]
  failOnSeverity: Severity[]
  /** `api-url` without a trailing slash; undefined: derive it from the job's Auth URL (api-url.ts). */
  apiUrl: URL | undefined
  scanTimeoutMs: number
  pollIntervalMs: number
  /** Each request, its retries included (the main action's `timeout`). */
  timeoutMs: number
  retries: number
  allowHttp: boolean
  caCertificate: string | undefined
}

/** Defaults, kept equal to scan/action.yml (a test checks they agree). */
export const SCAN_DEFAULTS = {
  'fail-on-status': 'new,inProgress',
  'fail-on-severity': SEVERITIES.join(','),
  'scan-timeout': '7200',
  'poll-interval': '30',
  timeout: '30',
  retries: '3',
  'allow-http': 'false'
} as const

export const SCAN_NUMBER_LIMITS = {
  'scan-timeout': { min: 1, max: 86400, integer: true, unit: 'seconds' },
  'poll-interval': { min: 1, max: 3600, integer: true, unit: 'seconds' },
  timeout: NETWORK_LIMITS.timeout,
  retries: NETWORK_LIMITS.retries
} as const

export function readScanConfig(read: InputReader, io: Pick<ConfigIO, 'readFile'>): ScanConfig {
  const input = (name: string): string => (read(name) ?? '').trim()
  const withDefault = (name: keyof typeof SCAN_DEFAULTS): string => {
    const value = read(name)
    return value === undefined || value.trim() === '' ? SCAN_DEFAULTS[name] : value.trim()
  }
  const image = loggable('image', input('image'))
  if (!image) throw new InputError('image', 'is empty: set it to the path of the firmware image to scan.')

  const productRaw = input('product-id')
  const productName = loggable('product-name', input('product-name')) || undefined
  let productId: string | undefined
  if (productRaw) {
    productId = checkProductId(productRaw)
    if (!productId) {
      throw new InputError(
        'product-id',
        `"${loggable('product-id', productRaw)}" is not a Binarly product id: use its ULID (26 characters, e.g. 01JQ3Z5E8Y4M2N7P9R1S3T5V7W) or products/<ULID>, as Binarly's web UI or API shows it.`
      )
    }
  } else if (!productName) {
    throw new InputError(
      'product-id',
      'is empty, and so is product-name: set product-id to the product to scan into, or product-name to create a product (once; then keep its id, since Binarly compares an image with the earlier ones of its product).'
    )
  }

  const allowHttp = parseBoolean('allow-http', withDefault('allow-http'))
  const apiRaw = input('api-url')
  return {
    image,
    productId,
    productName: productId ? undefined : productName,
    imageName: loggable('image-name', input('image-name')) || undefined,
    imageVersion: loggable('image-version', input('image-version')) || undefined,
    failOnStatus: parseList('fail-on-status', withDefault('fail-on-status'), ISSUE_STATUSES),
    failOnSeverity: parseList('fail-on-severity', withDefault('fail-on-severity'), SEVERITIES),
    apiUrl: apiRaw ? parseApiUrl(apiRaw, allowHttp) : undefined,
    scanTimeoutMs: parseNumber('scan-timeout', withDefault('scan-timeout'), SCAN_NUMBER_LIMITS['scan-timeout']) * 1000,
    pollIntervalMs:
      parseNumber('poll-interval', withDefault('poll-interval'), SCAN_NUMBER_LIMITS['poll-interval']) * 1000,
    timeoutMs: Math.round(parseNumber('timeout', withDefault('timeout'), SCAN_NUMBER_LIMITS.timeout) * 1000),
    retries: parseNumber('retries', withDefault('retries'), SCAN_NUMBER_LIMITS.retries),
    allowHttp,
    caCertificate: parseCaCertificate(input('ca-certificate'), io)
  }
}

/**
 * A comma-separated list of Binarly's own words, each matched exactly (case and all: `inProgress`, not
 * `in_progress` or `progress`), repeats dropped.
 */
export function parseList<T extends string>(name: string, raw: string, allowed: readonly T[]): T[] {
  const values = raw.split(',').map(value => value.trim())
  const found: T[] = []
  for (const value of values) {
    const known = allowed.find(word => word === value)
    if (!known) {
      throw new InputError(
        name,
        `"${loggable(name, value)}" is not one of ${allowed.join(', ')} (Binarly's words, matched exactly): give a comma-separated list of them.`
      )
    }
    if (!found.includes(known)) found.push(known)
  }
  return found
}

function parseApiUrl(raw: string, allowHttp: boolean): URL {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new InputError('api-url', 'is not a URL: expected the base URL of your Binarly API, e.g. https://<host>.')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError('api-url', `uses ${url.protocol}, expected an https:// URL.`)
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new InputError(
      'api-url',
      'holds a user name, password, ?query or #fragment: give the base URL only (https://<host>, without /api/v4).'
    )
  }
  if (url.protocol === 'http:' && !allowHttp && !isLoopbackHost(url.hostname)) {
    throw new InputError(
      'api-url',
      `${url.origin} uses http://, which would send the job's tokens and the image in clear text: use the https:// URL, or set allow-http: true if this network is trusted.`
    )
  }
  url.pathname = url.pathname.replace(/\/+$/, '')
  return url
}
