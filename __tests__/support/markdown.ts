/**
 * The parts of the README and docs/*.md that tests hold to the code: fenced code blocks and table rows, each
 * with the file and line a failure should point at.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './runner.ts'

export interface Fence {
  /** e.g. README.md:42 (the line of the opening fence). */
  where: string
  lang: string
  text: string
}

/** README.md and every docs/*.md, as repository-relative paths. */
export function docFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter(name => name.endsWith('.md'))
    .sort()
    .map(name => `docs/${name}`)
  return ['README.md', ...docs]
}

export function readDoc(file: string): string {
  return readFileSync(join(ROOT, file), 'utf8')
}

/** Every fenced code block (```lang … ```) of a Markdown file. */
export function fences(file: string): Fence[] {
  const lines = readDoc(file).split(/\r?\n/)
  const found: Fence[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)\s*$/.exec(lines[i] ?? '')
    if (!open) continue
    const indent = open[1]?.length ?? 0
    const body: string[] = []
    let j = i + 1
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j] ?? ''); j++) body.push((lines[j] ?? '').slice(indent))
    found.push({ where: `${file}:${i + 1}`, lang: open[2] ?? '', text: body.join('\n') + '\n' })
    i = j
  }
  return found
}

/** The cells of a Markdown table row: split at every `|` not escaped as `\|`. */
export function cells(row: string): string[] {
  const text = row
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '')
  return text.split(/(?<!\\)\|/).map(cell => cell.replace(/\\\|/g, '|').trim())
}

/** The body rows of every table whose first header cell is `firstHeader`, with where each row is. */
export function tableRows(file: string, firstHeader: string): { where: string; cells: string[] }[] {
  const lines = readDoc(file).split(/\r?\n/)
  const rows: { where: string; cells: string[] }[] = []
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (!line.trim().startsWith('|') || cells(line)[0] !== firstHeader) continue
    for (let j = i + 2; j < lines.length && (lines[j] ?? '').trim().startsWith('|'); j++) {
      rows.push({ where: `${file}:${j + 1}`, cells: cells(lines[j] ?? '') })
    }
  }
  return rows
}
