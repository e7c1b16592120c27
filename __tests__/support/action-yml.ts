/**
 * action.yml as the runner reads it, for the tests that hold other files to it (README tables, config
 * defaults, the metadata schema). Shapes are left `unknown` where the metadata test is the one to check them.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { ROOT } from './runner.ts'

export type Entry = Record<string, unknown>

export interface ActionMetadata {
  /** Every top-level key, for the schema check. */
  raw: Entry
  inputs: Record<string, Entry>
  outputs: Record<string, Entry>
}

/** The root action.yml, or another action of the repository (`scan/action.yml`). */
export function readActionYml(file = 'action.yml'): ActionMetadata {
  const raw: unknown = parse(readFileSync(join(ROOT, file), 'utf8'))
  if (!isEntry(raw)) throw new Error('action.yml is not a YAML mapping')
  return { raw, inputs: entries(raw.inputs, 'inputs'), outputs: entries(raw.outputs, 'outputs') }
}

function entries(value: unknown, key: string): Record<string, Entry> {
  if (value === undefined) return {}
  if (!isEntry(value)) throw new Error(`action.yml: ${key} is not a mapping`)
  const result: Record<string, Entry> = {}
  for (const [name, entry] of Object.entries(value)) {
    if (!isEntry(entry)) throw new Error(`action.yml: ${key}.${name} is not a mapping`)
    result[name] = entry
  }
  return result
}

export function isEntry(value: unknown): value is Entry {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
