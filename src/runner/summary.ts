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
