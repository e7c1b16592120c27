/**
 * The scan step (scan/action.yml): find the product (or create it), upload the image through Binarly's
 * pre-signed URL, wait for the scan, compare with the product's previous image, and fail the job on the
 * findings the gate names. src/scan.ts wires the real runner into runScan.
 */
import { statSync } from 'node:fs'
import { basename } from 'node:path'
import { describeError, InputError, type EndpointError } from '../common/errors.js'
import { printable } from '../common/server-text.js'
import type { Core, Deps } from '../runner/deps.js'
import {
  answerId,
  comparisonGroup,
  findingRow,
  findingsPage,
  previousImage,
  scanState,
  stateKind,
  uploadedImage,
  uploadUrl
} from './answers.js'
import { BinarlyClient } from './api.js'
import { deriveApiUrl } from './api-url.js'
import { ISSUE_STATUSES, readScanConfig, SEVERITIES, type IssueStatus, type Severity } from './config.js'
import {
  MAX_LISTED,
  passed,
  renderFailureSummary,
  renderScanSummary,
  scanOutputs,
  verdict,
  type ScanReport
} from './report.js'
import { agentTokens } from './tokens.js'

export type ScanDeps = Omit<Deps, 'core'> & {
  core: Pick<Core, 'setSecret' | 'info' | 'warning' | 'debug' | 'setOutput'>
}

/** Page size of the comparison query ([3P-spec] `page.size`, at most 100; Binarly's docs give none). */
const PAGE_SIZE = 100

/** Runs the scan step; a failure before the verdict writes a job summary with what to change, then fails. */
export async function runScan(deps: ScanDeps): Promise<void> {
  try {
    await scan(deps)
  } catch (error) {
    if (!(error instanceof Verdict)) await deps.writeSummary(renderFailureSummary(describeError(error)))
    throw error
  }
}

/** The gate's failure: its summary is written already. */
class Verdict extends Error {}

async function scan(deps: ScanDeps): Promise<void> {
  const { core, clock } = deps
  const config = readScanConfig(deps.inputs, deps)
  let size: number
  try {
    const stat = statSync(config.image)
    if (!stat.isFile()) throw Object.assign(new Error('not a file'), { code: 'not a file' })
    size = stat.size
  } catch (error) {
    throw new InputError(
      'image',
      `${config.image} cannot be read (${String((error as NodeJS.ErrnoException).code)}): build the image before this step, or fix the path (relative to the workspace).`
    )
  }
  if (config.caCertificate) await deps.trustCAs(config.caCertificate)
  const tokens = agentTokens(deps.env, secret => core.setSecret(secret))
  const log = { info: (m: string) => core.info(m), debug: (m: string) => core.debug(m) }
  let base = config.apiUrl
  if (!base) {
    await tokens.token()
    const derived = deriveApiUrl(tokens.authUrl())
    base = derived.url
    core.info(derived.notice)
  }
  const api = new BinarlyClient(base, config, { transport: deps.transport, clock, log, tokens })

  // 1. The product: confirm product-id, or create one by name (Binarly documents no lookup by name).
  let productId: string
  if (config.productId) {
    productId = config.productId
    const product = await api.call({
      what: `Checking product ${productId}`,
      method: 'GET',
      path: `/products/${productId}`,
      kind: 'read'
    })
    core.info(`Product ${productId}: ${printable(String(product.name), 200)}`)
  } else {
    const created = await api.call({
      what: 'Creating product',
      method: 'POST',
      path: '/products',
      json: { name: config.productName },
      kind: 'create'
    })
    productId = answerId(created.id, 'product', 'Creating product')
    core.info(`Created product ${productId}: set product-id: ${productId} for the next scans of this firmware.`)
  }
  const images = `/products/${productId}/images`

  // 2. The upload: a pre-signed URL, the bytes streamed to it once, then images:upload, which starts the scan.
  // scan-timeout holds from here to the scan's end, whatever the API and the storage do.
  const started = clock.now()
  const deadline = started + config.scanTimeoutMs
  let tempFileId: string
  for (let round = 1; ; round++) {
    const answer = await api.call({
      what: 'Getting an upload URL',
      method: 'GET',
      path: `/products/${productId}/tempFiles:generateUploadUrl`,
      kind: 'create'
    })
    tempFileId = answerId(answer.id, 'tempFile', 'Getting an upload URL')
    const url = uploadUrl(answer.uploadUrl, config.allowHttp)
    core.info(`Uploading ${config.image} (${size} bytes) to the pre-signed URL at ${url.host}.`)
    const tally = { attempts: 0 }
    try {
      await api.put(url, { path: config.image, size }, deadline, tally)
      break
    } catch (error) {
      // A retried PUT refused as forbidden: the time-limited URL (its lifetime is not documented) may have
      // expired while the first attempt ran; one new URL, once.
      const status = (error as Partial<EndpointError>).failure?.status
      if (round > 1 || tally.attempts < 2 || (status !== 400 && status !== 403)) throw error
      core.info(
        `The upload URL was refused (HTTP ${status}) on a retried PUT, so it may have expired: asking for a new one.`
      )
    }
  }
  // Binarly: images:upload demands `file` even with tempFileId, and the content used comes from the pre-signed
  // upload; so `file` is an empty part and the image crosses the network once.
  const imageName = config.imageName ?? basename(config.image)
  const image = uploadedImage(
    await api.call({
      what: 'Finishing the upload',
      method: 'POST',
      path: `${images}:upload`,
      form: {
        tempFileId,
        imageName,
        ...(config.imageVersion ? { version: config.imageVersion } : {}),
        file: imageName
      },
      kind: 'create'
    })
  )
  const { imageId, scanId } = image
  core.info(`Uploaded image ${imageId}; scan ${scanId} started.`)

  // 3. The scan, every poll-interval until it ends or scan-timeout (list-scans: ?status=true for the state).
  let state: string | undefined
  for (;;) {
    const scan = await api.call({
      what: `Checking scan ${scanId}`,
      method: 'GET',
      path: `${images}/${imageId}/scans/${scanId}?status=true`,
      kind: 'read',
      deadline
    })
    const now = scanState(scan)
    if (now !== state) {
      core.info(
        `Scan ${scanId}: ${printable(now ?? '(no state)', 80)} after ${Math.round((clock.now() - started) / 1000)} s`
      )
    }
    state = now
    if (stateKind(state) !== 'waiting') break
    if (clock.now() + config.pollIntervalMs >= deadline) {
      const hints: Partial<Record<string, string>> = {
        no_scans: ' (no_scans: Binarly says to check the upload)',
        status_unavailable: ' (status_unavailable: Binarly says to contact support if it persists)'
      }
      throw new Error(
        `Scan ${scanId} is still ${printable(state ?? '(no state)', 80)}${hints[state ?? ''] ?? ''} after ${config.scanTimeoutMs / 1000} s (scan-timeout): raise it for big images (Binarly: 10 to 60 minutes up to 500 MB, more beyond), or look at the scan in Binarly's web UI.`
      )
    }
    await clock.sleep(config.pollIntervalMs)
  }
  const completed = stateKind(state) === 'done'

  // 4. The findings of this image (the grid's `total` counts every page), and the comparison with the
  // product's previous image, as Binarly's verify-results does.
  const grid = async (filters: unknown[], page?: number): Promise<ReturnType<typeof findingsPage>> =>
    findingsPage(
      await api.call({
        what: 'Querying findings',
        method: 'POST',
        path: '/grids/findings:gridList',
        json: { filters, ...(page === undefined ? {} : { page: { num: page, size: PAGE_SIZE } }) },
        kind: 'read'
      })
    )
  const ofImage = { field: 'imageId', value: imageId, comparator: 'equals' }
  const count = async <T extends string>(field: string, words: readonly T[]): Promise<Record<T, number>> => {
    const counts = {} as Record<T, number>
    for (const word of words) counts[word] = (await grid([ofImage, { field, value: [word], comparator: 'in' }])).total
    return counts
  }
  let report: ScanReport = {
    productId,
    imageId,
    scanId,
    state: printable(String(state), 80),
    completed,
    seconds: Math.round((clock.now() - started) / 1000),
    byStatus: undefined,
    bySeverity: undefined,
    comparison: undefined,
    failOnStatus: config.failOnStatus,
    failOnSeverity: config.failOnSeverity,
    failing: 0,
    listed: []
  }
  if (completed) {
    const byStatus: Record<IssueStatus, number> = await count('issueStatus', ISSUE_STATUSES)
    const bySeverity: Record<Severity, number> = await count('severity', SEVERITIES)
    // Every severity (the default) sets no severity filter: a finding of a severity Binarly adds later fails too.
    const gate = await grid([
      ofImage,
      { field: 'issueStatus', value: config.failOnStatus, comparator: 'in' },
      ...(config.failOnSeverity.length < SEVERITIES.length
        ? [{ field: 'severity', value: config.failOnSeverity, comparator: 'in' }]
        : [])
    ])
    report = {
      ...report,
      byStatus,
      bySeverity,
      failing: gate.total,
      listed: gate.rows.slice(0, MAX_LISTED).map(findingRow),
      comparison: await compare(productId, imageId)
    }
  }

  async function compare(product: string, latest: string): Promise<ScanReport['comparison']> {
    const list = await api.call({
      what: 'Listing the images of the product',
      method: 'GET',
      path: images,
      kind: 'read'
    })
    const previous = previousImage(list, latest)
    if (!previous) return undefined
    const groups = { resolved: 0, unchanged: 0, new: 0, other: 0 }
    const filters = [
      { field: 'productId', value: product, comparator: 'equals' },
      { field: 'compareLeftImageId', value: previous, comparator: 'equals' },
      { field: 'compareRightImageId', value: latest, comparator: 'equals' }
    ]
    let seen = 0
    for (let page = 1; ; page++) {
      const { total, rows } = await grid(filters, page)
      for (const row of rows) groups[comparisonGroup(row)]++
      seen += rows.length
      if (seen >= total || rows.length === 0) {
        return { previousImageId: previous, resolved: groups.resolved, unchanged: groups.unchanged, new: groups.new }
      }
    }
  }

  for (const [name, value] of Object.entries(scanOutputs(report))) core.setOutput(name, value)
  await deps.writeSummary(renderScanSummary(report))
  const line = verdict(report)
  if (!passed(report)) throw new Verdict(line)
  core.info(line)
}
