/**
 * The import rules of src/ (scripts/import-layers.mjs, run by `npm run lint`): the repository keeps them, and
 * the check fails on each thing it exists to catch, shown on small trees made for the test.
 */
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { checkImportLayers } from '../../scripts/import-layers.mjs'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const trees: string[] = []
after(() => {
  for (const tree of trees) rmSync(tree, { recursive: true, force: true })
})

/** A checkout holding only the given files of src/ (path → text). */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'import-layers-'))
  trees.push(root)
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, 'src', path)), { recursive: true })
    writeFileSync(join(root, 'src', path), text)
  }
  return root
}

test('src/ as committed keeps the layers and has no import circle', () => {
  assert.deepEqual(checkImportLayers(ROOT), [])
})

test('imports down the layers, within a folder, and of packages pass', () => {
  const root = tree({
    'main.ts': "import { start } from './agent/start.js'\nimport * as core from '@actions/core'\n",
    'agent/start.ts': "import { send } from '../net/transport.js'\nimport type { P } from './protocol.js'\n",
    'agent/protocol.ts': 'export type P = string\n',
    'net/transport.ts': "import { fail } from '../common/errors.js'\n// import { x } from '../agent/start.js'\n",
    'common/errors.ts': 'export const text = "import { y } from \'../main.js\'"\n'
  })
  assert.deepEqual(checkImportLayers(root), [])
})

test('an import into a folder on a higher layer fails, `import type` and import() too', () => {
  const root = tree({
    'oauth/revoke.ts': "import type { Deps } from '../runner/deps.js'\n",
    'runner/deps.ts': 'export interface Deps { x: 1 }\n',
    'net/retry.ts': "export const load = () => import('../oauth/revoke.js')\n"
  })
  assert.deepEqual(checkImportLayers(root), [
    'src/net/retry.ts imports src/oauth/revoke.ts: src/oauth/ is on a layer above it (src/net/)',
    'src/oauth/revoke.ts imports src/runner/deps.ts: src/runner/ is on a layer above it (src/oauth/)'
  ])
})

test('the scan step may ask the agent, and the agent may not import the scan step', () => {
  const root = tree({
    'scan/tokens.ts': "import { askAgent } from '../agent/client.js'\n",
    'agent/client.ts': "import type { ScanConfig } from '../scan/config.js'\n",
    'scan/config.ts': '',
    'share/matrix.ts': "import { run } from '../scan/tokens.js'\n"
  })
  assert.deepEqual(checkImportLayers(root), [
    'src/agent/client.ts imports src/scan/config.ts: src/scan/ is on a layer above it (src/agent/)',
    'src/share/matrix.ts imports src/scan/tokens.ts: src/scan/ is on a layer above it (src/share/)'
  ])
})

test('folders on one layer may not import each other', () => {
  const root = tree({ 'share/matrix.ts': "import { x } from '../agent/start.js'\n", 'agent/start.ts': '' })
  assert.deepEqual(checkImportLayers(root), [
    'src/share/matrix.ts imports src/agent/start.ts: src/agent/ is on a layer beside it (src/share/)'
  ])
})

test('two files that import each other fail, within one folder too, and so does a longer circle', () => {
  const root = tree({
    'net/transport.ts': "import { a } from './proxy-transport.js'\n",
    'net/proxy-transport.ts': "import { b } from './transport.ts'\n",
    'oauth/a.ts': "import './b.js'\n",
    'oauth/b.ts': "import './c.js'\n",
    'oauth/c.ts': "import './a.js'\n"
  })
  assert.deepEqual(checkImportLayers(root), [
    'import circle: src/net/proxy-transport.ts -> src/net/transport.ts',
    'import circle: src/oauth/a.ts -> src/oauth/b.ts -> src/oauth/c.ts'
  ])
})

test('a folder outside the layers and a barrel file fail', () => {
  const root = tree({ 'misc/thing.ts': '', 'oauth/index.ts': "export * from './revoke.js'\n", 'oauth/revoke.ts': '' })
  assert.deepEqual(checkImportLayers(root), [
    'src/misc/thing.ts: folder src/misc/ is in no layer of scripts/import-layers.mjs',
    'src/oauth/index.ts: a barrel file; import the module itself'
  ])
})
