/**
 * Every relative link in README.md, CONTRIBUTING.md, SECURITY.md and docs/*.md leads somewhere: the file or
 * folder exists, and a `#anchor` is the slug of a heading of the target, made the way GitHub makes it
 * (lower case; punctuation other than `-` and `_` dropped; each space a `-`; a repeated heading gets `-1`,
 * `-2`, …). Links inside code are not links, and web links are not fetched.
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { describe, test } from 'node:test'
import { docFiles } from '../support/markdown.ts'
import { ROOT } from '../support/runner.ts'

const FILES = [...docFiles(), 'CONTRIBUTING.md', 'SECURITY.md']

/** The text a reader sees: fenced blocks and inline code removed, so that links in examples do not count. */
function prose(markdown: string): string {
  return markdown.replace(/^\s*```[\s\S]*?^\s*```\s*$/gm, '').replace(/`[^`\n]*`/g, '')
}

/** GitHub's anchor for a heading's text (github-slugger, on the text as rendered). */
function slug(heading: string): string {
  const text = heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase()
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-')
}

/** Every anchor a Markdown file offers: its headings' slugs (repeats numbered), and explicit HTML ids. */
function anchors(file: string): Set<string> {
  const markdown = readFileSync(join(ROOT, file), 'utf8')
  const seen = new Map<string, number>()
  const found = new Set<string>()
  for (const [, text = ''] of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(text)
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    found.add(count === 0 ? base : `${base}-${count}`)
  }
  for (const [, id = ''] of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) found.add(id)
  return found
}

/** The relative links of a file: inline `[text](target)` and reference definitions `[label]: target`. */
function links(file: string): string[] {
  const text = prose(readFileSync(join(ROOT, file), 'utf8'))
  const inline = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map(match => match[1] ?? '')
  const defined = [...text.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map(match => match[1] ?? '')
  return [...inline, ...defined].filter(target => !/^[a-z][a-z0-9+.-]*:/i.test(target))
}

/** What is wrong with one link of `file`, or undefined. */
function brokenLink(file: string, target: string): string | undefined {
  const [path = '', anchor] = target.split('#', 2)
  const resolved = path ? normalize(join(dirname(file), decodeURIComponent(path))) : file
  if (resolved.startsWith('..')) return `${target} leaves the repository`
  if (!existsSync(join(ROOT, resolved))) return `${target}: ${resolved} does not exist`
  if (anchor === undefined) return undefined
  if (!resolved.endsWith('.md')) return `${target}: an anchor into a file that is not Markdown`
  return anchors(resolved).has(anchor) ? undefined : `${target}: ${relative('.', resolved)} has no heading #${anchor}`
}

describe('links in the docs', () => {
  for (const file of FILES) {
    test(`${file}: every relative link and anchor resolves`, () => {
      const broken = links(file).flatMap(target => brokenLink(file, target) ?? [])
      assert.deepEqual(broken, [], file)
    })
  }

  test('there are links to check, across files and into headings', () => {
    const all = FILES.flatMap(links)
    assert.ok(
      all.some(target => target.includes('.md#')),
      'a link to a heading of another file'
    )
    assert.ok(
      all.some(target => target.startsWith('#')),
      'a link to a heading of the same file'
    )
  })
})

describe('the checks themselves', () => {
  test("GitHub's slugs", () => {
    assert.equal(slug('What you need: three values'), 'what-you-need-three-values')
    assert.equal(
      slug('On-premises, behind a proxy and an internal CA'),
      'on-premises-behind-a-proxy-and-an-internal-ca'
    )
    assert.equal(slug('Internal CAs: `ca-certificate`'), 'internal-cas-ca-certificate')
    assert.equal(slug('A token for the whole job: `binarly-token`'), 'a-token-for-the-whole-job-binarly-token')
    assert.equal(slug('Keycloak 26.7.3 (and 26.5.6)'), 'keycloak-2673-and-2656')
    assert.equal(slug('`env_var` → what'), 'env_var--what')
  })

  test('a missing file, a missing heading and a link out of the repository are reported; code is no link', () => {
    assert.match(brokenLink('docs/x.md', '../README.md#usage') ?? '', /README\.md has no heading #usage/)
    assert.match(brokenLink('README.md', 'docs/nothing.md') ?? '', /does not exist/)
    assert.match(brokenLink('docs/x.md', '../../etc/passwd') ?? '', /leaves the repository/)
    assert.equal(brokenLink('README.md', '#inputs'), undefined)
    assert.equal(prose('see `[x](nowhere.md)` and\n```md\n[y](nowhere.md)\n```\n').includes('nowhere'), false)
  })
})
