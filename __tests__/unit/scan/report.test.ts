/** The scan step's outputs, verdict and job summary: inert and escaped for Markdown and HTML. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  cell,
  gateWords,
  renderFailureSummary,
  renderScanSummary,
  scanOutputs,
  verdict,
  type ScanReport
} from '../../../src/scan/report.ts'

const report: ScanReport = {
  productId: 'P',
  imageId: 'I',
  scanId: 'S',
  state: 'completed',
  completed: true,
  seconds: 3,
  byStatus: { new: 2, inProgress: 0, remediated: 1, rejected: 0 },
  bySeverity: { critical: 1, high: 1, medium: 0, low: 1, informational: 0 },
  comparison: undefined,
  failOnStatus: ['new'],
  failOnSeverity: ['critical', 'high', 'medium', 'low', 'informational'],
  failing: 2,
  listed: [
    { id: 'F1', severity: 'high', title: '<img src=x onerror=alert(1)> ![p](https://a.example/p.png) | x\n::error::y' }
  ]
}

test('outputs: counts as text, empty where nothing was counted', () => {
  const out = scanOutputs(report)
  assert.equal(out['findings-in-progress'], '0')
  assert.equal(out['findings-failing'], '2')
  assert.equal(out['compared-new'], '')
  const ended = scanOutputs({ ...report, completed: false, byStatus: undefined, bySeverity: undefined })
  assert.deepEqual([ended['findings-new'], ended['findings-critical'], ended['findings-failing']], ['', '', ''])
})

test('the verdict names the failing findings inert, bounded, and the gate in words', () => {
  assert.equal(
    gateWords({ failOnStatus: ['new', 'inProgress'], failOnSeverity: ['critical', 'high'] }),
    'issue status new or inProgress, severity critical or high'
  )
  const line = verdict(report)
  assert.match(
    line,
    /^Binarly scan S failed: 2 finding\(s\) with issue status new, any severity: F1 \(high\) <img[^\n]*\\n::error::y; and 1 more\.$/
  )
  assert.doesNotMatch(verdict({ ...report, failing: 1 }), /more/)
  assert.equal(
    verdict({ ...report, listed: [] }),
    'Binarly scan S failed: 2 finding(s) with issue status new, any severity.'
  )
  assert.equal(
    verdict({ ...report, failing: 0, listed: [] }),
    'Binarly scan S passed: no finding with issue status new, any severity.'
  )
})

test('the summary: no HTML, link, image or table cell made from server text', () => {
  assert.equal(cell('<b>&"\'</b>'), '&lt;b&gt;&amp;&quot;&#39;&lt;/b&gt;')
  assert.equal(
    cell('![p](u) | `c` *e* _u_ #h ~s~ {x}+-.\\'),
    '\\!\\[p\\]\\(u\\) \\| \\`c\\` \\*e\\* \\_u\\_ \\#h \\~s\\~ \\{x\\}\\+\\-\\.\\\\'
  )
  const md = renderScanSummary({
    ...report,
    comparison: { previousImageId: 'PREV', resolved: 1, unchanged: 2, new: 3 }
  })
  assert.doesNotMatch(md, /<img|!\[p\]|\n::error/)
  assert.match(
    md,
    /\| F1 \| high \| &lt;img src=x onerror=alert\\\(1\\\)&gt; \\!\\\[p\\\]\\\(https:\/\/a\\\.example\/p\\\.png\\\) \\\| x\\\\n::error::y \|/
  )
  assert.match(md, /\| Compared with the previous image PREV \| 1 resolved, 2 unchanged, 3 new \|/)
  assert.match(md, /and 1 more\\\.|and 1 more\./)
  assert.match(md, /\*\*Binarly scan S failed\*\*/)
  const first = renderScanSummary({ ...report, failing: 0, listed: [] })
  assert.match(first, /none: the first image of this product/)
  assert.doesNotMatch(first, /Failing finding/)
  const ended = renderScanSummary({
    ...report,
    completed: false,
    state: 'failed',
    byStatus: undefined,
    bySeverity: undefined,
    failing: 0,
    listed: []
  })
  assert.doesNotMatch(ended, /Findings by|Compared/)
})

test('the failure summary quotes the error inert and escaped', () => {
  const md = renderFailureSummary('Finishing the upload: "![x](https://a.example/p.png)\n::error::y" <b>')
  assert.match(md, /^### Binarly scan: not completed\n\n\*\*What went wrong, and what to change:\*\*\n\n> /)
  assert.equal(md.split('\n').length, 6)
  assert.match(md, /&quot;\\!\\\[x\\\]\\\(https:\/\/a\\\.example\/p\\\.png\\\)\\\\n::error::y&quot; &lt;b&gt;\n$/)
})
