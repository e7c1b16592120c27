/**
 * What Binarly's API answers, checked against the form its docs give (../shared/BINARLY-API.md) before any of
 * it becomes a request URL, an output, a log line or a summary cell: ids are ULIDs (or `products/<ULID>` and
 * the like, of which the last ULID is kept), the upload URL is one absolute https: URL, counts are whole
 * numbers. Anything else is refused with the value made inert. Pure.
 */
import { printable } from '../common/server-text.js'

/** Crockford base32, 26 characters: Binarly's ids ("string<ulid>, length 26"). */
const ULID = '[0-9A-HJKMNP-TV-Z]{26}'
const ULID_ONLY = new RegExp(`^${ULID}$`)

/** An answer that is not what Binarly documents: the message names the call and shows the value inert. */
export class AnswerError extends Error {
  override name = 'AnswerError'
}

type Json = Record<string, unknown>

/** A value of an answer as JSON text, for an error (`nothing` when the field is absent). */
const shown = (value: unknown): string => (value === undefined ? 'nothing' : JSON.stringify(value))

/** The JSON object of an answer body, or an AnswerError naming the call. */
export function jsonObject(body: string, what: string): Json {
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    value = undefined
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new AnswerError(`${what}: the answer is not the JSON object Binarly documents (${printable(body, 120)})`)
  }
  return value as Json
}

/** `products/<ULID>` or a bare ULID as the bare ULID; undefined for anything else. */
export function checkProductId(raw: string): string | undefined {
  return new RegExp(`^(?:products/)?(${ULID})$`).exec(raw)?.[1]
}

/**
 * An id of the given kind from an answer: a bare ULID, or the path Binarly writes in `parent` fields ending
 * in `<kind>s/<ULID>`.
 */
export function answerId(value: unknown, kind: 'product' | 'image' | 'scan' | 'tempFile', what: string): string {
  const text = typeof value === 'string' ? value : ''
  const path = new RegExp(`^(?:products/${ULID}/)?(?:images/${ULID}/)?${kind}s/(${ULID})$`).exec(text)?.[1]
  const id = ULID_ONLY.test(text) ? text : path
  if (!id) {
    throw new AnswerError(
      `${what}: the ${kind} id in the answer is not a Binarly id (a 26-character ULID): ${printable(shown(value), 120)}`
    )
  }
  return id
}

/** The pre-signed upload URL: one absolute https: URL (http: only with allow-http), without credentials. */
export function uploadUrl(value: unknown, allowHttp: boolean): URL {
  const text = typeof value === 'string' ? value : ''
  let url: URL | undefined
  // A URL parser drops tabs and line breaks from its input: a value that holds any is refused, not mended.
  if (!/[\s\u0000-\u001f\u007f-\u009f]/.test(text)) {
    try {
      url = new URL(text)
    } catch {
      url = undefined
    }
  }
  const scheme = allowHttp ? /^https?:$/ : /^https:$/
  if (!url || !scheme.test(url.protocol) || url.username || url.password) {
    throw new AnswerError(
      `Getting an upload URL: Binarly's answer is not one absolute ${allowHttp ? 'https: or http:' : 'https:'} URL without credentials, and nothing was sent to it: ${printable(shown(value), 200)}${url?.protocol === 'http:' && !allowHttp ? ' (an http: URL needs allow-http: true)' : ''}`
    )
  }
  return url
}

/** The image id and scan id from the answer of images:upload (the Image object). */
export function uploadedImage(body: Json): { imageId: string; scanId: string } {
  const what = 'Finishing the upload'
  const imageId = answerId(body.id, 'image', what)
  const scans = Array.isArray(body.scans) ? (body.scans as unknown[]) : []
  const scan = (body.latestScan ?? scans[0]) as Json | undefined
  return { imageId, scanId: answerId(scan?.id, 'scan', what) }
}

/** latestScanState.type of a scan; undefined when the answer has none (no ?status=true). */
export function scanState(body: Json): string | undefined {
  const state = (body.latestScanState as Json | undefined)?.type
  return typeof state === 'string' && state ? state : undefined
}

/** What a scan state means for the wait (BINARLY-API.md section 4: four sources name different states). */
export function stateKind(state: string | undefined): 'done' | 'ended' | 'waiting' {
  if (state === 'completed' || state === 'done') return 'done'
  if (state === 'failed' || state === 'cancelled') return 'ended'
  return 'waiting'
}

/** A finding row as the summary shows it. */
export interface FindingRow {
  id: string
  severity: string
  title: string
}

/** One page of the findings grid: `total` (all pages) and its rows. */
export function findingsPage(body: Json): { total: number; rows: Json[] } {
  const { total, rows } = body
  if (typeof total !== 'number' || !Number.isSafeInteger(total) || total < 0 || !Array.isArray(rows)) {
    throw new AnswerError(
      `Querying findings: the answer has no whole-number total and rows list: ${printable(JSON.stringify(body), 120)}`
    )
  }
  return { total, rows: rows.filter((row): row is Json => row !== null && typeof row === 'object') }
}

/** A row's id, severity and title, as text (inert later, where it is shown). */
export function findingRow(row: Json): FindingRow {
  const text = (value: unknown): string => (typeof value === 'string' || typeof value === 'number' ? String(value) : '')
  return {
    id: text(row.id) || '(no id)',
    severity: text(row.severity) || '(none)',
    title: text(row.name ?? row.title) || '(no title)'
  }
}

/**
 * The comparison group of a row of a compared query: found = new, notChanged = unchanged, notFound = resolved;
 * `other` for a row without one of Binarly's three (counted nowhere).
 */
export function comparisonGroup(row: Json): 'new' | 'unchanged' | 'resolved' | 'other' {
  const status = (row.comparison as Json | undefined)?.status
  if (status === 'found') return 'new'
  if (status === 'notChanged') return 'unchanged'
  if (status === 'notFound') return 'resolved'
  return 'other'
}

/**
 * The product's image before this one: of list-images' answer, the newest other image created before it (the
 * order of the list is not documented, so createTime decides); undefined for a product's first image.
 */
export function previousImage(body: Json, imageId: string): string | undefined {
  const images = Array.isArray(body.images) ? (body.images as Json[]) : []
  const dated = images.map(image => ({
    id: typeof image.id === 'string' ? image.id : '',
    at: typeof image.createTime === 'string' ? Date.parse(image.createTime) : NaN
  }))
  const ours = dated.find(image => lastUlid(image.id) === imageId)?.at ?? Infinity
  const before = dated.filter(image => lastUlid(image.id) !== imageId && image.at < ours).sort((a, b) => b.at - a.at)[0]
  return before ? answerId(before.id, 'image', 'Listing the images of the product') : undefined
}

function lastUlid(id: string): string | undefined {
  return new RegExp(`(${ULID})$`).exec(id)?.[1]
}
