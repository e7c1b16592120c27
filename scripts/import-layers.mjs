// The import graph of src/ and the two rules it must keep (docs/architecture.md): imports between folders run
// one way, down the layers below, and no files import each other, directly or round a circle. Every import
// counts, `import type` and `import()` too: a type that comes from a layer above still ties the layers.
// TypeScript's own pre-processor reads the imports, so comments and strings are not taken for them.
// `npm run lint` runs scripts/check-imports.mjs; __tests__/unit/import-layers.test.ts shows both rules fail.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import ts from 'typescript'

/**
 * The layers, top first. A file may import files of its own folder and of any folder on a lower line; a folder
 * on the same line (agent, share) or a higher one is out of bounds. `.` is src/'s own files: the two steps of
 * the main action; `scan` is the scan step (scan/action.yml), which asks the agent for tokens.
 */
export const LAYERS = [['entrypoints'], ['.'], ['scan'], ['agent', 'share'], ['runner'], ['oauth'], ['net'], ['common']]

const rankOf = new Map(LAYERS.flatMap((folders, index) => folders.map(folder => [folder, LAYERS.length - index])))

/** Every .ts file below `dir`, as absolute paths. */
function sourceFiles(dir) {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return name.endsWith('.ts') ? [path] : []
  })
}

/** The folder of src/ a file belongs to: `.` for src/'s own files, else its first folder below src/. */
function folderOf(srcDir, file) {
  const parts = relative(srcDir, file).split(sep)
  return parts.length === 1 ? '.' : parts[0]
}

/** Imports of `file` that name another file of src/ (relative specifiers; `.js` written for `.ts`). */
function importsOf(file, files) {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true)
  return importedFiles
    .map(({ fileName }) => fileName)
    .filter(specifier => specifier.startsWith('.'))
    .map(specifier => resolve(dirname(file), specifier).replace(/\.js$/, '.ts'))
    .filter(target => files.has(target))
}

/** The circles of the graph (Tarjan's strongly connected components with more than one file, or a self-import). */
function circles(graph) {
  const index = new Map()
  const low = new Map()
  const stack = []
  const onStack = new Set()
  const found = []
  let next = 0
  const visit = node => {
    index.set(node, next)
    low.set(node, next++)
    stack.push(node)
    onStack.add(node)
    for (const target of graph.get(node)) {
      if (!index.has(target)) {
        visit(target)
        low.set(node, Math.min(low.get(node), low.get(target)))
      } else if (onStack.has(target)) low.set(node, Math.min(low.get(node), index.get(target)))
    }
    if (low.get(node) !== index.get(node)) return
    const component = []
    let member
    do {
      member = stack.pop()
      onStack.delete(member)
      component.push(member)
    } while (member !== node)
    if (component.length > 1 || graph.get(node).includes(node)) found.push(component.sort())
  }
  for (const node of graph.keys()) if (!index.has(node)) visit(node)
  return found
}

/**
 * What breaks the rules in `root`/src, one line each (empty when nothing does): an import into a folder on the
 * same or a higher layer, a folder the layers do not name, a barrel (`index.ts`), and every circle of imports.
 */
export function checkImportLayers(root) {
  const srcDir = join(root, 'src')
  const files = new Set(sourceFiles(srcDir))
  const name = file => relative(root, file).split(sep).join('/')
  const problems = []
  const graph = new Map()
  for (const file of [...files].sort()) {
    const folder = folderOf(srcDir, file)
    if (!rankOf.has(folder))
      problems.push(`${name(file)}: folder src/${folder}/ is in no layer of scripts/import-layers.mjs`)
    if (file.endsWith(`${sep}index.ts`)) problems.push(`${name(file)}: a barrel file; import the module itself`)
    const targets = importsOf(file, files)
    graph.set(file, targets)
    for (const target of targets) {
      const to = folderOf(srcDir, target)
      if (to === folder || !rankOf.has(folder) || !rankOf.has(to)) continue
      if (rankOf.get(to) >= rankOf.get(folder)) {
        const where = rankOf.get(to) === rankOf.get(folder) ? 'beside it' : 'above it'
        problems.push(`${name(file)} imports ${name(target)}: src/${to}/ is on a layer ${where} (src/${folder}/)`)
      }
    }
  }
  for (const circle of circles(graph)) problems.push(`import circle: ${circle.map(name).join(' -> ')}`)
  return problems
}
