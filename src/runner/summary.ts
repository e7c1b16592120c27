/**
 * The job summary: what was obtained, never the token itself; or, when the step fails, what was tried and
 * what the action says to change, never a credential. Pure.
 */
import type { IssuedToken } from './outputs.js'
import { printable } from '../common/server-text.js'

export interface SummaryFacts {
  endpoint: string
  clientId: string
  method: string
  token: IssuedToken
  /** How the token was obtained. */
  source: 'exchange' | 'shared-token'
  envVar: string | undefined
}

export function renderSummary(facts: SummaryFacts): string {
  const rows: [string, string][] = [
    ['Token endpoint', facts.endpoint],
    ['Client ID', facts.clientId],
    ['Client authentication', facts.method],
    [
      'Obtained by',
      facts.source === 'exchange' ? 'client credentials exchange' : 'reusing the shared-token of this run'
    ],
    ['Token type', facts.token.tokenType],
    ['Granted scope', facts.token.scope ?? '(not stated by the server)'],
    [
      'Expires',
      facts.token.expiresAt
        ? `${facts.token.expiresAt.toISOString()} (in ${facts.token.expiresIn ?? '?'} s)`
        : '(not stated by the server)'
    ],
    ['Environment variable', facts.envVar ?? '(none exported)']
  ]
  return ['### Binarly access token', '', ...table(rows), ''].join('\n')
}

/** What a failed main step had got to. Every field is one of the inputs the log shows too, never a credential. */
export interface FailureFacts {
  /** The auth-url input, once it was read and checked. */
  authUrl: string | undefined
  /** The URL the last request went to (discovery or token endpoint), when a request was made. */
  endpoint: string | undefined
  clientId: string | undefined
  method: string | undefined
  /** Requests made to `endpoint`, when known. */
  attempts: number | undefined
  /** The failure message as the log shows it: what happened and what to change. */
  message: string
}

export function renderFailureSummary(facts: FailureFacts): string {
  const notRead = '(not read: the inputs were refused)'
  const rows: [string, string][] = [
    ['Auth URL', facts.authUrl ?? notRead],
    ['Endpoint', facts.endpoint ?? '(none reached)'],
    ['Client ID', facts.clientId ?? notRead],
    ['Client authentication', facts.method ?? notRead],
    [
      'Attempts',
      facts.attempts !== undefined ? String(facts.attempts) : facts.endpoint ? '(no request was sent to it)' : '(none)'
    ]
  ]
  return [
    '### Binarly access token: not obtained',
    '',
    ...table(rows),
    '',
    '**What went wrong, and what to change:**',
    '',
    `> ${escape(facts.message, 4000)}`,
    ''
  ].join('\n')
}

/**
 * Markdown that shows text as it is: one inert line (line breaks and controls escaped), no table cell ending
 * early, no markup or HTML made from it.
 */
function escape(text: string, max = 500): string {
  return printable(text, max).replace(/[|\\`*_<>[\]]/g, c => `\\${c}`)
}

function table(rows: [string, string][]): string[] {
  return ['| | |', '|---|---|', ...rows.map(([key, value]) => `| ${key} | ${escape(value)} |`)]
}

/** A row of the job's token audit: one token, never its value. */
export interface AuditRow {
  /** "main step", "binarly-token", "renewal", … */
  mintedBy: string
  /** ISO-8601, when known. */
  mintedAt: string | undefined
  expiresAt: string | undefined
  /** What the post step did with it: "revoked", or why not. */
  outcome: string
}

/** The post step's job summary: every token of the job, who had it minted, when, until when, what became of it. */
export function renderTokenAudit(rows: readonly AuditRow[]): string {
  const cells = (values: string[]): string => `| ${values.map(value => escape(value, 200)).join(' | ')} |`
  return [
    '### Binarly tokens of this job',
    '',
    '| Minted by | When | Valid until | At the end of the job |',
    '|---|---|---|---|',
    ...rows.map(row =>
      cells([row.mintedBy, row.mintedAt ?? '(unknown)', row.expiresAt ?? '(not stated by the server)', row.outcome])
    ),
    '',
    'Token values are never shown; the post step revokes every token that is still valid, unless revoke is false or it is shared with other jobs.',
    ''
  ].join('\n')
}
