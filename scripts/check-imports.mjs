#!/usr/bin/env node
// Checks the import graph of src/ against its layers (scripts/import-layers.mjs): prints each problem and exits 1
// on any. Part of `npm run lint`.
import { fileURLToPath } from 'node:url'
import { checkImportLayers, LAYERS } from './import-layers.mjs'

const problems = checkImportLayers(fileURLToPath(new URL('..', import.meta.url)))
for (const problem of problems) console.log(problem)
console.log(`import layers (${LAYERS.map(layer => layer.join(' | ')).join(' → ')}): ${problems.length} problem(s)`)
process.exitCode = problems.length > 0 ? 1 : 0
