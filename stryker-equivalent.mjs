/**
 * A Stryker ignorer (stryker.config.mjs: `ignorers: ['equivalent']`): the mutants listed in EQUIVALENT_MUTANTS
 * there, which no test can kill because they do not change what the code does. Each entry names a file, the
 * exact source text of the smallest expression or statement that holds the mutant (every mutant inside it is
 * ignored, so the text is kept small), and why; Stryker reports them as "Ignored" with that reason, outside the
 * score. Where that text occurs more than once and only some of its places hold an equivalent mutant, `after`
 * names the source text that comes right before the one meant (white space between them aside). An entry
 * that matches nothing fails the run, so the list cannot go stale silently.
 */
import { PluginKind, declareClassPlugin } from '@stryker-mutator/api/plugin'
import { EQUIVALENT_MUTANTS } from './stryker.config.mjs'

const matched = new Set()
/** The files instrumented in this process (a run with --mutate may cover only some). */
const seen = new Set()

class EquivalentMutants {
  shouldIgnore(path) {
    const file = (path.hub?.file?.opts?.filename ?? '').replaceAll('\\', '/')
    seen.add(file)
    for (const entry of EQUIVALENT_MUTANTS) {
      if (!file.endsWith(entry.file)) continue
      if (path.node.start == null || path.node.end == null) continue
      if (path.hub.file.code.slice(path.node.start, path.node.end) !== entry.code) continue
      if (entry.after && !path.hub.file.code.slice(0, path.node.start).trimEnd().endsWith(entry.after)) continue
      matched.add(entry)
      return `equivalent: ${entry.why}`
    }
    return undefined
  }
}

process.on('exit', () => {
  // Only entries of files this process instrumented: the others may not be part of this run.
  const stale = EQUIVALENT_MUTANTS.filter(
    entry => !matched.has(entry) && [...seen].some(file => file.endsWith(entry.file))
  )
  if (stale.length > 0) {
    console.error(`stryker-equivalent.mjs: no code matches ${stale.map(e => `${e.file}: ${e.code}`).join('; ')}`)
    process.exitCode = 1
  }
})

export const strykerPlugins = [declareClassPlugin(PluginKind.Ignore, 'equivalent', EquivalentMutants)]
