/**
 * The Binarly API calls in the docs use only the endpoints Binarly documents (docs.binarly.io's API reference:
 * products, the three-part image upload, scans, the findings grid), and the docs say where a customer gets
 * BINARLY_API_URL, which Binarly's docs do not give.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { docFiles, readDoc } from '../support/markdown.ts'

/** Binarly's documented paths under /api/v4, `{}` for a path parameter. */
const DOCUMENTED = [
  'products',
  'products/{}',
  'products/{}/tempFiles:generateUploadUrl',
  'products/{}/images:upload',
  'products/{}/images',
  'products/{}/images/{}',
  'products/{}/images/{}/scans',
  'products/{}/images/{}/scans/{}',
  'products/{}/findings/{}',
  'grids/findings:gridList'
]

/**
 * A path as written in an example, its shell or PowerShell variables and `{name}` placeholders made `{}`;
 * undefined when it is one variable or the prose's `…` (any path).
 */
function template(path: string): string | undefined {
  const bare = path.replace(/[?#].*$/, '').replace(/\/+$/, '')
  const shape = bare.replace(/\$\([^)]*\)|\$\{[^}]*\}|\$[\w:]+/g, '{}').replace(/\{\w+\}/g, '{}')
  return shape === '{}' || shape === '…' ? undefined : shape
}

function calls(): { file: string; path: string }[] {
  return docFiles().flatMap(file =>
    [
      ...readDoc(file)
        .replace(/\$\([^()]*\)/g, '{}')
        .matchAll(/\/api\/v4\/([^\s"'`)]+)/g)
    ].map(match => ({ file, path: match[1] ?? '' }))
  )
}

test('every /api/v4 path in README.md and docs/ is one Binarly documents', () => {
  const found = calls()
  assert.ok(found.length >= 4, 'the docs call the API')
  const unknown = found.filter(({ path }) => {
    const shape = template(path)
    return shape !== undefined && !DOCUMENTED.includes(shape)
  })
  assert.deepEqual(unknown, [])
})

test('the docs say where BINARLY_API_URL comes from', () => {
  const readme = readDoc('README.md')
  assert.match(
    readme,
    /`BINARLY_API_URL`, the base URL of your Binarly API \(on Binarly SaaS it may be left\s+out: the step derives it from the Auth URL and prints it\)/
  )
  const page = readDoc('docs/binarly-scan.md')
  const section = page.slice(page.indexOf('## Where the API URL comes from'))
  assert.match(section, /Binarly's documentation does not give it/)
  assert.match(section, /third-party\s+description of Binarly's API \(github\.com\/api-evangelist\/binarly/)
  assert.match(section, /ask Binarly support,\s+or the admin of your installation/)
})

test('paths become templates', () => {
  assert.equal(template('products/$BINARLY_PRODUCT_ID'), 'products/{}')
  assert.equal(
    template('products/$env:BINARLY_PRODUCT_ID/images/$($image.id)/scans/$($image.latestScan.id)'),
    'products/{}/images/{}/scans/{}'
  )
  assert.equal(template('products/${ID}/tempFiles:generateUploadUrl'), 'products/{}/tempFiles:generateUploadUrl')
  assert.equal(template('scans'), 'scans')
  assert.equal(template('$env:SCAN_PATH'), undefined)
})
