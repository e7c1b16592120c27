/**
 * docs/client-authentication.md sets up github_oidc with both forms of GitHub's OIDC `sub`: the classic
 * `repo:OWNER/REPO:…` and the form with immutable owner and repository IDs that GitHub gives repositories
 * created or renamed after 2026-06-18 (`repo:octocat-123456/my-repo-456789:…`). A new repository whose client
 * was set up with the classic form fails at Keycloak's jwt.credential.sub match; the doc says how to see which
 * form a repository has: the refusal quotes the `sub` presented (docs-messages.test.ts holds the quote to the
 * code).
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fences, readDoc, tableRows } from '../support/markdown.ts'

const DOC = 'docs/client-authentication.md'
const CLASSIC = /^`repo:OWNER\/REPO:([^`]+)`/
const IMMUTABLE = /`repo:OWNER-OWNERID\/REPO-REPOID:([^`]+)`/

test('the federated subject table gives each case in the classic form and in the form with immutable IDs', () => {
  const rows = tableRows(DOC, 'the job runs…')
  assert.ok(rows.length >= 4, 'no table of subjects')
  for (const row of rows) {
    const classic = CLASSIC.exec(row.cells[1] ?? '')?.[1]
    const immutable = IMMUTABLE.exec(row.cells.slice(2).join(' '))?.[1]
    assert.ok(classic, `${row.where}: no classic sub`)
    assert.equal(immutable, classic, `${row.where}: no sub with immutable IDs for the same case`)
  }
})

test("the doc dates GitHub's change, shows its example, and says how to see a repository's form", () => {
  const text = readDoc(DOC)
  assert.match(text, /created after 2026-06-18, or renamed or transferred after that date/)
  assert.ok(text.includes('`repo:octocat-123456/my-repo-456789:ref:refs/heads/main`'))
  assert.ok(
    text.includes('https://github.blog/changelog/2026-04-23-immutable-subject-claims-for-github-actions-oidc-tokens')
  )
  // The refusal, quoted with a sub in the new form: what to copy into the client's Federated subject.
  const quoted = fences(DOC)
    .filter(fence => fence.lang === 'text')
    .flatMap(fence => fence.text.split('\n'))
    .find(line => line.includes('the token presented has'))
  assert.ok(quoted, 'no text block quotes the refusal')
  assert.ok(quoted.includes('sub "repo:octocat-123456/my-repo-456789:ref:refs/heads/main"'), quoted)
  assert.match(text, /Copy that `sub`, character for character, into the client's \*\*Federated subject\*\*/)
})
