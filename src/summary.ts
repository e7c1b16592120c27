/** The job summary: what was obtained, never the token itself. Pure. */
import type { IssuedToken } from './outputs.js'
import { printable } from './server-text.js'

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
  // Each value becomes one inert line (line breaks and controls escaped), then Markdown-escaped for the table.
  const escape = (text: string): string => printable(text, 500).replace(/[|\\`*_<>[\]]/g, c => `\\${c}`)
  return [
    '### Binarly access token',
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([key, value]) => `| ${key} | ${escape(value)} |`),
    ''
  ].join('\n')
}
