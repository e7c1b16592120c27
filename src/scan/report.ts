/**
 * What the scan step reports: its outputs, the job summary and the gate's verdict. Every server string is
 * made inert (printable()) and, in the summary, escaped for Markdown and HTML; ids are checked ULIDs. Pure.
 */
import { printable } from '../common/server-text.js'
import type { FindingRow } from './answers.js'
import { ISSUE_STATUSES, SEVERITIES, type IssueStatus, type Severity } from './config.js'

/** At most this many failing findings are named, in the summary and in the error. */
export const MAX_LISTED = 10

export interface ScanReport {
  productId: string
  imageId: string
  scanId: string
  /** The last state seen (printable already). */
  state: string
  /** Whether the scan completed, so that findings were counted. */
  completed: boolean
  seconds: number
  byStatus: Record<IssueStatus, number> | undefined
  bySeverity: Record<Severity, number> | undefined
  /** The product's previous image and the comparison with it; undefined for its first image. */
  comparison: { previousImageId: string; resolved: number; unchanged: number; new: number } | undefined
  failOnStatus: IssueStatus[]
  failOnSeverity: Severity[]
  /** Findings that fail the gate (total over every page), and the first of them. */
  failing: number
  listed: FindingRow[]
}

/** The output names, kebab-case, as scan/action.yml declares them (a test checks both agree). */
export function scanOutputs(report: ScanReport): Record<string, string> {
  const count = (value: number | undefined): string => (value === undefined ? '' : String(value))
  const kebab = (word: string): string => word.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`)
  return {
    'product-id': report.productId,
    'image-id': report.imageId,
    'scan-id': report.scanId,
    'scan-state': report.state,
    ...Object.fromEntries(ISSUE_STATUSES.map(s => [`findings-${kebab(s)}`, count(report.byStatus?.[s])])),
    ...Object.fromEntries(SEVERITIES.map(s => [`findings-${s}`, count(report.bySeverity?.[s])])),
    'previous-image-id': report.comparison?.previousImageId ?? '',
    'compared-resolved': count(report.comparison?.resolved),
    'compared-unchanged': count(report.comparison?.unchanged),
    'compared-new': count(report.comparison?.new),
    'findings-failing': report.completed ? String(report.failing) : ''
  }
}

/** Whether the step passes: the scan completed and no finding fails the gate. */
export function passed(report: ScanReport): boolean {
  return report.completed && report.failing === 0
}

/** The gate as words: "issue status new or inProgress, severity critical or high". */
export function gateWords(report: Pick<ScanReport, 'failOnStatus' | 'failOnSeverity'>): string {
  const severity =
    report.failOnSeverity.length === SEVERITIES.length
      ? 'any severity'
      : `severity ${report.failOnSeverity.join(' or ')}`
  return `issue status ${report.failOnStatus.join(' or ')}, ${severity}`
}

/** The verdict, one line for the log and the error. */
export function verdict(report: ScanReport): string {
  if (!report.completed) {
    return `Binarly scan ${report.scanId} failed: the scan ended ${report.state}, so no finding was counted; look at it in Binarly's web UI.`
  }
  if (report.failing === 0) return `Binarly scan ${report.scanId} passed: no finding with ${gateWords(report)}.`
  const named = report.listed.map(
    row => `${printable(row.id, 60)} (${printable(row.severity, 20)}) ${printable(row.title, 120)}`
  )
  const more = report.failing > report.listed.length ? `; and ${report.failing - report.listed.length} more` : ''
  // A total whose rows the answer left out (a page of none): the count alone.
  const which = named.length > 0 ? `: ${named.join('; ')}${more}` : ''
  return `Binarly scan ${report.scanId} failed: ${report.failing} finding(s) with ${gateWords(report)}${which}.`
}

/**
 * Text for a Markdown table cell that shows as it is: one inert line, with every Markdown and HTML special
 * character escaped (HTML entities for `<>&"'`, a backslash for the rest), so no link, image, tag or cell
 * break is made from it.
 */
export function cell(text: string, max = 200): string {
  const html: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
  return printable(text, max)
    .replace(/[\\`*_{}[\]()#+\-.!|~]/g, c => `\\${c}`)
    .replace(/[&<>"']/g, c => html[c] ?? c)
}

export function renderScanSummary(report: ScanReport): string {
  const rows: [string, string][] = [
    ['Product', report.productId],
    ['Image', report.imageId],
    ['Scan', `${report.scanId}: ${report.state} after ${report.seconds} s`]
  ]
  if (report.byStatus) {
    rows.push(['Findings by status', ISSUE_STATUSES.map(s => `${s} ${report.byStatus?.[s]}`).join(', ')])
  }
  if (report.bySeverity) {
    rows.push(['Findings by severity', SEVERITIES.map(s => `${s} ${report.bySeverity?.[s]}`).join(', ')])
  }
  if (report.comparison) {
    const { previousImageId, resolved, unchanged } = report.comparison
    rows.push([
      `Compared with the previous image ${previousImageId}`,
      `${resolved} resolved, ${unchanged} unchanged, ${report.comparison.new} new`
    ])
  } else if (report.completed) {
    rows.push(['Compared with the previous image', 'none: the first image of this product'])
  }
  rows.push(['Fails the job', gateWords(report)])
  const lines = ['### Binarly scan', '', '| | |', '|---|---|', ...rows.map(([k, v]) => `| ${cell(k)} | ${cell(v)} |`)]
  if (report.listed.length > 0) {
    lines.push('', '| Failing finding | Severity | Title |', '|---|---|---|')
    for (const row of report.listed)
      lines.push(`| ${cell(row.id, 60)} | ${cell(row.severity, 20)} | ${cell(row.title)} |`)
    if (report.failing > report.listed.length) lines.push('', `and ${report.failing - report.listed.length} more.`)
  }
  lines.push('', `**${cell(verdict(report).replace(/:.*$/s, ''))}**`, '')
  return lines.join('\n')
}

/** The job summary of a scan step that stopped before its verdict: what went wrong and what to change. */
export function renderFailureSummary(message: string): string {
  return [
    '### Binarly scan: not completed',
    '',
    '**What went wrong, and what to change:**',
    '',
    `> ${cell(message, 4000)}`,
    ''
  ].join('\n')
}
