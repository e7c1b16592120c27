/**
 * A stand-in of Binarly's API on loopback, serving only what Binarly documents for a CI job (products get and
 * create, the three-part image upload through a pre-signed URL, get-scan and list-scans with
 * `latestScanState.type`, and the findings grid with `filters` and `{total, rows}`), so that
 * the scan step is tested against the documented contract and nothing more (and a little stricter: the state
 * of a scan only with `?status=true`, as list-scans marks it required; the findings grid one page at a time,
 * 10 rows unless `page.size` says otherwise). Every
 * `Authorization: Bearer` token is checked by RFC 7662 introspection at the real token server
 * (oidc-provider, or Keycloak), and refused with 401 unless active and unexpired; every token seen is
 * recorded with the time, so a test can assert that no expired token was ever sent. A scan goes new →
 * in_progress → completed over a configurable time (several token lifetimes), and then has the configured
 * findings. The pre-signed upload URL is served by a second server on another host (127.0.0.2, as a storage
 * bucket is not the API), with its own signature, and refuses an Authorization header as a signed storage URL
 * does. Hostile answers (`tamper`) and a 401 to a still-valid token (`refuse`) are options.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** The issue statuses the findings grid filters on (BINARLY-API.md §5). */
export type IssueStatus = 'new' | 'inProgress' | 'remediated' | 'rejected'
export const ISSUE_STATUSES: readonly IssueStatus[] = ['new', 'inProgress', 'remediated', 'rejected']

export interface Finding {
  /** What makes two images' findings the same one, for a comparison (default: its index), and its title. */
  name?: string
  issueStatus: IssueStatus
  severity?: 'critical' | 'high' | 'medium' | 'low' | 'informational'
  findingType?: 'knownVulnerability' | 'maliciousCode' | 'dependencyVulnerability'
}

export interface BinarlyApiOptions {
  /** RFC 7662 introspection of a token at the token server: `{active, exp, …}`. */
  introspect(token: string): Promise<Record<string, unknown>>
  /** From the upload's finalize to `completed`, in ms. */
  scanMs: number
  /** How long a scan stays `new` before `in_progress` (default: a tenth of scanMs, at most 1 s). */
  newMs?: number
  /** The state a scan ends in (default `completed`). */
  finalState?: 'completed' | 'failed' | 'cancelled'
  /** The findings of every image, visible once its scan has ended. */
  findings?: Finding[]
  /** Products that exist from the start (bare ULIDs are made for them). */
  products?: string[]
  /** An image of the first product, scanned before the test (an hour ago), with its own findings. */
  previousImage?: { name: string; findings: Finding[] }
  /** How long an upload URL is valid, in ms (default 15 minutes). */
  uploadUrlMs?: number
  /** Answer the first N PUTs to an upload URL with 503 and Retry-After: 1, after reading them (default 0). */
  failUploads?: number
  /** Never answer a request this matches (a hung API); the connection stays open until close(). */
  hang?: (record: ApiRecord) => boolean
  /** Hostile answers: what the API answers in place of the documented values. */
  tamper?: {
    uploadUrl?: (url: string) => string
    imageId?: string
    scanId?: string
    productId?: string
    /** latestScanState.type of every scan. */
    state?: string
    /** Added to the findings grid's `total`: more than its pages hold. */
    extraTotal?: number
  }
  /** Answer 401 to this request although its token is active (once per match). */
  refuse?: (record: ApiRecord) => boolean
}

/** One API request, as the stand-in saw it (the token is kept: these are test tokens, for assertions). */
export interface ApiRecord {
  at: number
  method: string
  /** The path without the query. */
  path: string
  status: number
  /** The bearer token presented, if any. */
  token?: string
  /** What introspection said when the request arrived. */
  active?: boolean
  /** The token's `exp` (seconds) from introspection, when active. */
  exp?: number
  /** Whether an Authorization header came with a request to the pre-signed URL. */
  authorizationOnUpload?: boolean
}

export interface Scan {
  id: string
  imageId: string
  productId: string
  createdAt: number
}

export interface BinarlyApi {
  url: string
  records: ApiRecord[]
  /** Product ULIDs by name (created and preset). */
  products: Map<string, { name: string; createdAt: number }>
  images: Map<
    string,
    { productId: string; name: string; version?: string; bytes: number; scan: Scan; findings: Finding[] }
  >
  /** Requests to the upload server (another host), recorded in `records` too. */
  uploadUrl: string
  /** The state of a scan now. */
  stateOf(scan: Scan): string
  /** Resolves with the first record (already there or to come) that matches. */
  waitFor(match: (record: ApiRecord) => boolean, timeoutMs?: number): Promise<ApiRecord>
  close(): Promise<void>
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

/** A ULID: 10 characters of milliseconds, 16 of randomness (26 in all, as Binarly's IDs). */
export function ulid(now = Date.now()): string {
  let time = ''
  for (let t = now, i = 0; i < 10; i++, t = Math.floor(t / 32)) time = (CROCKFORD[t % 32] ?? '0') + time
  const random = [...randomBytes(16)].map(b => CROCKFORD[b % 32]).join('')
  return time + random
}

const ULID = '[0-9A-HJKMNP-TV-Z]{26}'
const AUTHOR = { userId: 'ci-service-account', email: 'service-account@example.invalid' }

export async function startBinarlyApi(options: BinarlyApiOptions): Promise<BinarlyApi> {
  const records: ApiRecord[] = []
  const refusedOnce = new Set<string | undefined>()
  const waiters: { match: (r: ApiRecord) => boolean; resolve: (r: ApiRecord) => void }[] = []
  const products = new Map<string, { name: string; createdAt: number }>()
  for (const name of options.products ?? []) products.set(ulid(), { name, createdAt: Date.now() })
  const tempFiles = new Map<string, { productId: string; bytes?: number; expires: number }>()
  const images: BinarlyApi['images'] = new Map()
  const signingKey = randomBytes(32)
  let failUploads = options.failUploads ?? 0
  const newMs = options.newMs ?? Math.min(1000, options.scanMs / 10)

  const stateOf = (scan: Scan): string => {
    const age = Date.now() - scan.createdAt
    if (age < newMs) return 'new'
    if (age < options.scanMs) return 'in_progress'
    return options.finalState ?? 'completed'
  }
  const stateTime = (scan: Scan): string => {
    const age = Date.now() - scan.createdAt
    const since = age < newMs ? 0 : age < options.scanMs ? newMs : options.scanMs
    return new Date(scan.createdAt + since).toISOString()
  }
  const scanObject = (scan: Scan) => ({
    id: scan.id,
    parent: `products/${scan.productId}/images/${scan.imageId}`,
    createTime: new Date(scan.createdAt).toISOString(),
    author: AUTHOR,
    latestScanState: { type: options.tamper?.state ?? stateOf(scan), updateTime: stateTime(scan) }
  })

  const record = (entry: ApiRecord): void => {
    records.push(entry)
    for (const waiter of [...waiters]) {
      if (waiter.match(entry)) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve(entry)
      }
    }
  }

  const sign = (id: string, expires: number): string =>
    createHmac('sha256', signingKey).update(`${id}\n${expires}`).digest('hex')

  const server = createServer((req, res) => void handle(req, res))
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const base = `http://127.0.0.1:${port}`
  const storage = createServer((req, res) => void handle(req, res, true))
  await new Promise<void>(resolve => storage.listen(0, '127.0.0.2', resolve))
  const storageBase = `http://127.0.0.2:${(storage.address() as AddressInfo).port}`
  if (options.previousImage) {
    const [productId] = [...products.keys()]
    const at = Date.now() - 3_600_000
    const imageId = ulid(at)
    const scan: Scan = { id: ulid(at), imageId, productId: productId ?? '', createdAt: at - options.scanMs }
    images.set(imageId, {
      productId: productId ?? '',
      name: options.previousImage.name,
      bytes: 1,
      scan,
      findings: options.previousImage.findings
    })
  }

  async function handle(req: IncomingMessage, res: ServerResponse, onStorage = false): Promise<void> {
    const chunks: Buffer[] = []
    let received = 0
    // The upload's bytes are counted, not kept (an image of any size).
    for await (const chunk of req) {
      received += (chunk as Buffer).length
      if (!onStorage) chunks.push(chunk as Buffer)
    }
    const body = Buffer.concat(chunks)
    const url = new URL(req.url ?? '/', onStorage ? storageBase : base)
    const method = req.method ?? 'GET'
    const entry: ApiRecord = { at: Date.now(), method, path: url.pathname, status: 0 }
    const send = (status: number, value?: unknown): void => {
      entry.status = status
      record(entry)
      res.writeHead(status, value === undefined ? {} : { 'content-type': 'application/json' })
      res.end(value === undefined ? undefined : JSON.stringify(value))
    }
    // The error body is [3P-spec] ({message, details}); Binarly's docs only name the statuses.
    const error = (status: number, message: string): void => send(status, { message, details: [] })

    // The pre-signed upload URL: its own signature, never a bearer token.
    const upload = new RegExp(`^/upload/(${ULID})$`).exec(url.pathname)
    if (onStorage !== Boolean(upload)) return error(404, 'not found on this host')
    if (upload) {
      const id = upload[1] ?? ''
      entry.authorizationOnUpload = req.headers.authorization !== undefined
      if (method !== 'PUT') return error(405, 'the upload URL takes PUT')
      if (entry.authorizationOnUpload) {
        return error(400, 'a pre-signed URL carries its own signature: send no Authorization header')
      }
      const expires = Number(url.searchParams.get('expires'))
      const signature = Buffer.from(url.searchParams.get('signature') ?? '', 'utf8')
      const expected = Buffer.from(sign(id, expires), 'utf8')
      if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
        return error(403, 'signature does not match')
      }
      const temp = tempFiles.get(id)
      if (!temp || Date.now() > expires) return error(403, 'the upload URL has expired')
      if (failUploads > 0) {
        failUploads--
        entry.status = 503
        record(entry)
        res.writeHead(503, { 'retry-after': '1' })
        return void res.end()
      }
      temp.bytes = received
      return send(200)
    }

    if (!url.pathname.startsWith('/api/v4/')) return error(404, 'not found')
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')
    if (!bearer?.[1]) return error(401, 'an Authorization: Bearer token is required')
    entry.token = bearer[1]
    const introspection = await options.introspect(bearer[1])
    entry.active = introspection.active === true
    if (typeof introspection.exp === 'number') entry.exp = introspection.exp
    entry.at = Date.now()
    if (!entry.active || (entry.exp !== undefined && entry.exp * 1000 <= entry.at)) {
      entry.active = false
      return error(401, 'the token is not active')
    }
    if (options.refuse?.(entry) && !refusedOnce.has(entry.token)) {
      refusedOnce.add(entry.token)
      return error(401, 'the token was refused')
    }
    const tamper = options.tamper ?? {}
    if (options.hang?.(entry)) return record(entry)

    const path = url.pathname.slice('/api/v4'.length)
    let m: RegExpExecArray | null
    if (method === 'POST' && path === '/products') {
      const input = parseJson(body)
      if (typeof input?.name !== 'string' || !input.name) return error(400, 'name is required')
      for (const product of products.values()) {
        // [3P-spec] lists 409; a duplicate name is the inferred reason.
        if (product.name === input.name) return error(409, 'a product with this name exists')
      }
      const id = ulid()
      const now = Date.now()
      products.set(id, { name: input.name, createdAt: now })
      return send(201, {
        id: tamper.productId ?? `products/${id}`,
        name: input.name,
        createTime: new Date(now).toISOString()
      })
    }
    if ((m = new RegExp(`^/products/(${ULID})$`).exec(path)) && method === 'GET') {
      const product = products.get(m[1] ?? '')
      if (!product) return error(404, 'product not found')
      return send(200, {
        id: `products/${m[1]}`,
        name: product.name,
        description: '',
        createTime: new Date(product.createdAt).toISOString(),
        author: AUTHOR
      })
    }
    if ((m = new RegExp(`^/products/(${ULID})/tempFiles:generateUploadUrl$`).exec(path)) && method === 'GET') {
      const productId = m[1] ?? ''
      if (!products.has(productId)) return error(404, 'product not found')
      const id = ulid()
      // The lifetime of Binarly's pre-signed URL is not documented: 15 minutes here, unless a test says.
      const expires = Date.now() + (options.uploadUrlMs ?? 15 * 60_000)
      tempFiles.set(id, { productId, expires })
      const uploadUrl = `${storageBase}/upload/${id}?expires=${expires}&signature=${sign(id, expires)}`
      return send(200, { id, uploadUrl: tamper.uploadUrl ? tamper.uploadUrl(uploadUrl) : uploadUrl })
    }
    if ((m = new RegExp(`^/products/(${ULID})/images:upload$`).exec(path)) && method === 'POST') {
      const productId = m[1] ?? ''
      if (!products.has(productId)) return error(404, 'product not found')
      const form = parseMultipart(req.headers['content-type'] ?? '', body)
      if (!form) return error(400, 'the body must be multipart/form-data')
      const tempFileId = form.get('tempFileId')?.toString('utf8')
      const imageName = form.get('imageName')?.toString('utf8')
      const version = form.get('version')?.toString('utf8')
      // Binarly: the API still demands `file` when tempFileId is given; the content comes from the upload.
      if (!tempFileId || !imageName || !form.has('file')) {
        return error(400, 'tempFileId, imageName and file are required')
      }
      const temp = tempFiles.get(tempFileId)
      if (!temp || temp.productId !== productId || temp.bytes === undefined) {
        return error(400, 'tempFileId names no completed upload of this product')
      }
      tempFiles.delete(tempFileId)
      const imageId = ulid()
      const now = Date.now()
      const scan: Scan = { id: ulid(), imageId, productId, createdAt: now }
      images.set(imageId, {
        productId,
        name: imageName,
        ...(version ? { version } : {}),
        bytes: temp.bytes,
        scan,
        findings: options.findings ?? []
      })
      const scanJson = {
        ...scanObject(scan),
        latestScanState: {
          id: ulid(),
          type: stateOf(scan),
          createTime: new Date(now).toISOString(),
          parent: `products/${productId}/images/${imageId}/scans/${scan.id}`,
          author: AUTHOR,
          source: 'upload'
        }
      }
      const tampered = tamper.scanId ? { ...scanJson, id: tamper.scanId } : scanJson
      return send(201, {
        id: tamper.imageId ?? imageId,
        name: imageName,
        version: version ?? '',
        createTime: new Date(now).toISOString(),
        author: AUTHOR,
        parent: `products/${productId}`,
        files: [],
        scans: [tampered],
        latestScan: tampered
      })
    }
    if (
      (m = new RegExp(`^/products/(${ULID})/images/(${ULID})/scans(?:/(${ULID}))?$`).exec(path)) &&
      method === 'GET'
    ) {
      const image = images.get(m[2] ?? '')
      if (!image || image.productId !== m[1]) return error(404, 'image not found')
      if (m[3] === undefined) {
        const scan = scanObject(image.scan)
        return send(200, {
          scans: [{ id: scan.id, createTime: scan.createTime, latestScanState: { type: scan.latestScanState.type } }]
        })
      }
      if (m[3] !== image.scan.id) return error(404, 'scan not found')
      // list-scans marks ?status=true as required for the state to appear.
      const scan = scanObject(image.scan)
      if (url.searchParams.get('status') !== 'true') {
        return send(200, { ...scan, latestScanState: { updateTime: scan.latestScanState.updateTime } })
      }
      return send(200, scan)
    }
    if ((m = new RegExp(`^/products/(${ULID})/images$`).exec(path)) && method === 'GET') {
      const productId = m[1] ?? ''
      if (!products.has(productId)) return error(404, 'product not found')
      // [3P-spec]: {images: [Image]}; the order is not documented, so it is not the creation order here.
      const list = [...images].filter(([, image]) => image.productId === productId).reverse()
      return send(200, {
        images: list.map(([id, image]) => ({
          id,
          name: image.name,
          version: image.version ?? '',
          createTime: new Date(image.scan.createdAt).toISOString(),
          parent: `products/${productId}`
        }))
      })
    }
    if (method === 'POST' && path === '/grids/findings:gridList') {
      const input = parseJson(body)
      const filters = Array.isArray(input?.filters) ? (input.filters as Record<string, unknown>[]) : undefined
      if (!filters) return error(400, 'filters is required')
      type Row = Finding & { id: string; imageId: string; comparison?: { status: string } }
      let rows: Row[] = []
      const scoped = filters.some(f => (f.field === 'imageId' || f.field === 'productId') && f.comparator === 'equals')
      if (!scoped) return error(400, 'a productId or imageId filter is required')
      const done = (imageId: string): boolean => {
        const image = images.get(imageId)
        return image !== undefined && stateOf(image.scan) !== 'new' && stateOf(image.scan) !== 'in_progress'
      }
      const rowsOf = (imageId: string): Row[] =>
        done(imageId)
          ? (images.get(imageId)?.findings ?? []).map((finding, n) => ({
              id: `F-${imageId.slice(-6)}-${n}`,
              imageId,
              ...finding
            }))
          : []
      const left = filters.find(f => f.field === 'compareLeftImageId')?.value
      const right = filters.find(f => f.field === 'compareRightImageId')?.value
      if (left !== undefined || right !== undefined) {
        // compare-findings: found = new in the right image, notChanged = in both, notFound = resolved.
        const before = rowsOf(String(left))
        const after = rowsOf(String(right))
        const key = (row: Row): string => row.name ?? row.id
        for (const row of after) {
          const status = before.some(b => key(b) === key(row)) ? 'notChanged' : 'found'
          rows.push({ ...row, comparison: { status } })
        }
        for (const row of before) {
          if (!after.some(a => key(a) === key(row))) rows.push({ ...row, comparison: { status: 'notFound' } })
        }
      } else {
        for (const imageId of images.keys()) rows.push(...rowsOf(imageId))
      }
      for (const filter of filters) {
        if (filter.field === 'compareLeftImageId' || filter.field === 'compareRightImageId') continue
        const { field, value, comparator } = filter
        if (field === 'issueStatus' && (comparator !== 'in' || !Array.isArray(value))) {
          return error(400, 'issueStatus takes the comparator in with an array')
        }
        if (comparator === 'equals' && (field === 'imageId' || field === 'productId')) {
          rows = rows.filter(row =>
            field === 'imageId' ? row.imageId === value : images.get(row.imageId)?.productId === value
          )
        } else if (comparator === 'in' && Array.isArray(value) && field === 'issueStatus') {
          rows = rows.filter(row => value.includes(row.issueStatus))
        } else if (comparator === 'in' && Array.isArray(value) && (field === 'severity' || field === 'findingType')) {
          rows = rows.filter(row => value.includes(row[field]))
        } else {
          return error(400, `filter ${String(field)} ${String(comparator)} is not one the stand-in knows`)
        }
      }
      // Paginated: one page of rows (Binarly's page size is not documented; [3P-spec] says 10 by default, 100 at most).
      const page = input?.page as { num?: number; size?: number } | undefined
      const size = Math.min(100, page?.size ?? 10)
      const start = ((page?.num ?? 1) - 1) * size
      return send(200, {
        total: rows.length + (tamper.extraTotal ?? 0),
        rows: rows.slice(start, start + size).map(row => ({ ...row, name: row.name ?? `finding ${row.id}` }))
      })
    }
    return error(404, `no such endpoint: ${method} ${url.pathname}`)
  }

  return {
    url: base,
    uploadUrl: storageBase,
    records,
    products,
    images,
    stateOf,
    waitFor: (match, timeoutMs = 60_000) => {
      const found = records.find(match)
      if (found) return Promise.resolve(found)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no such API request came')), timeoutMs)
        waiters.push({
          match,
          resolve: r => {
            clearTimeout(timer)
            resolve(r)
          }
        })
      })
    },
    close: async () => {
      for (const s of [server, storage]) {
        s.closeAllConnections()
        await new Promise<void>(resolve => s.close(() => resolve()))
      }
    }
  }
}

function parseJson(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'))
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** The fields of a multipart/form-data body (RFC 7578) by name, or undefined when it is not one. */
export function parseMultipart(contentType: string, body: Buffer): Map<string, Buffer> | undefined {
  const boundary = /^multipart\/form-data;.*\bboundary="?([^";]+)"?/i.exec(contentType)?.[1]
  if (!boundary) return undefined
  const fields = new Map<string, Buffer>()
  const delimiter = Buffer.from(`--${boundary}`)
  let at = body.indexOf(delimiter)
  while (at >= 0) {
    const start = at + delimiter.length
    if (body.subarray(start, start + 2).toString() === '--') return fields
    const next = body.indexOf(delimiter, start)
    if (next < 0) return undefined
    // CRLF, headers, CRLF CRLF, content, CRLF, then the next delimiter.
    const part = body.subarray(start + 2, next - 2)
    const split = part.indexOf('\r\n\r\n')
    if (split < 0) return undefined
    const name = /content-disposition:\s*form-data;[^\r\n]*?\bname="([^"]*)"/i.exec(
      part.subarray(0, split).toString('utf8')
    )?.[1]
    if (name === undefined) return undefined
    fields.set(name, part.subarray(split + 4))
    at = next
  }
  return undefined
}
