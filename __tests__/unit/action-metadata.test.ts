/**
 * action.yml and scan/action.yml against GitHub's metadata rules for a JavaScript action (what actionlint
 * cannot check, since it only reads workflows), and against the code: the configs' defaults and inputs, and
 * the outputs src/ sets.
 */
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { DEFAULTS } from '../../src/common/config.ts'
import { SCAN_DEFAULTS } from '../../src/scan/config.ts'
import { scanOutputs, type ScanReport } from '../../src/scan/report.ts'
import { isEntry, readActionYml, type ActionMetadata } from '../support/action-yml.ts'
import { ROOT } from '../support/runner.ts'

const action = readActionYml()
const scanAction = readActionYml('scan/action.yml')
const ID = /^[_a-zA-Z][a-zA-Z0-9_-]*$/

/** The badge colors and Feather icons GitHub accepts in `branding` (as in SchemaStore's github-action.json). */
const COLORS = ['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark']
const ICONS =
  `activity airplay alert-circle alert-octagon alert-triangle align-center align-justify align-left align-right
  anchor aperture archive arrow-down-circle arrow-down-left arrow-down-right arrow-down arrow-left-circle arrow-left
  arrow-right-circle arrow-right arrow-up-circle arrow-up-left arrow-up-right arrow-up at-sign award bar-chart-2
  bar-chart battery-charging battery bell-off bell bluetooth bold book-open book bookmark box briefcase calendar
  camera-off camera cast check-circle check-square check chevron-down chevron-left chevron-right chevron-up
  chevrons-down chevrons-left chevrons-right chevrons-up chrome circle clipboard clock cloud-drizzle cloud-lightning
  cloud-off cloud-rain cloud-snow cloud code codepen codesandbox coffee columns command compass copy
  corner-down-left corner-down-right corner-left-down corner-left-up corner-right-down corner-right-up
  corner-up-left corner-up-right cpu credit-card crop crosshair database delete disc dollar-sign download-cloud
  download droplet edit-2 edit-3 edit external-link eye-off eye facebook fast-forward feather figma file-minus
  file-plus file-text file film filter flag folder-minus folder-plus folder framer frown gift git-branch git-commit
  git-merge git-pull-request github gitlab globe grid hard-drive hash headphones heart help-circle hexagon home
  image inbox info instagram italic key layers layout life-buoy link-2 link linkedin list loader lock log-in log-out
  mail map-pin map maximize-2 maximize meh menu message-circle message-square mic-off mic minimize-2 minimize
  minus-circle minus-square minus monitor moon more-horizontal more-vertical mouse-pointer move music navigation-2
  navigation octagon package paperclip pause-circle pause pen-tool percent phone-call phone-forwarded phone-incoming
  phone-missed phone-off phone-outgoing phone pie-chart play-circle play plus-circle plus-square plus pocket power
  printer radio refresh-ccw refresh-cw repeat rewind rotate-ccw rotate-cw rss save scissors search send server
  settings share-2 share shield-off shield shopping-bag shopping-cart shuffle sidebar skip-back skip-forward slack
  slash sliders smartphone smile speaker square star stop-circle sun sunrise sunset tablet tag target terminal
  thermometer thumbs-down thumbs-up toggle-left toggle-right tool trash-2 trash trello trending-down trending-up
  triangle truck tv twitch twitter type umbrella underline unlock upload-cloud upload user-check user-minus
  user-plus user-x user users video-off video voicemail volume-1 volume-2 volume-x volume watch wifi-off wifi wind
  x-circle x-octagon x-square x youtube zap-off zap zoom-in zoom-out`.split(/\s+/)

function keysWithin(entry: object, allowed: string[], where: string): void {
  const unknown = Object.keys(entry).filter(key => !allowed.includes(key))
  assert.deepEqual(unknown, [], `${where} has keys GitHub does not know: ${unknown.join(', ')}`)
}

function nonEmptyString(value: unknown, where: string): void {
  assert.ok(typeof value === 'string' && value.trim() !== '', `${where} must be a non-empty string`)
}

for (const [file, metadata] of [
  ['action.yml', action],
  ['scan/action.yml', scanAction]
] as [string, ActionMetadata][]) {
  const action = metadata
  describe(`${file} follows the metadata syntax of a JavaScript action`, () => {
    test('top level: name, description and runs are required; nothing GitHub does not know', () => {
      keysWithin(action.raw, ['name', 'author', 'description', 'inputs', 'outputs', 'runs', 'branding'], file)
      nonEmptyString(action.raw.name, 'name')
      nonEmptyString(action.raw.description, 'description')
      nonEmptyString(action.raw.author, 'author')
    })

    test('runs: node24, with its bundles present in dist/ (the scan step: main only, ../dist/ from its folder)', () => {
      const runs = action.raw.runs
      assert.ok(isEntry(runs), 'runs must be a mapping')
      keysWithin(runs, ['using', 'main', 'pre', 'pre-if', 'post', 'post-if'], 'runs')
      assert.equal(runs.using, 'node24', 'runs.using must be node24: GitHub removed node20 from its runners')
      const folder = file === 'action.yml' ? '' : '../'
      const steps = file === 'action.yml' ? (['main', 'post'] as const) : (['main'] as const)
      assert.deepEqual(Object.keys(runs).sort(), ['using', ...steps].sort())
      for (const step of steps) {
        const bundle = runs[step]
        assert.ok(
          typeof bundle === 'string' && bundle.startsWith(`${folder}dist/`) && bundle.endsWith('.js'),
          `runs.${step} must name a bundle in dist/`
        )
        assert.ok(
          existsSync(join(ROOT, file, '..', bundle)),
          `runs.${step}: ${bundle} does not exist: run npm run bundle`
        )
      }
    })

    test('inputs: valid ids, a description each, required a boolean, defaults strings', () => {
      const ids = Object.keys(action.inputs)
      assert.ok(ids.length > 0)
      assert.equal(new Set(ids.map(id => id.toLowerCase())).size, ids.length, 'input ids must differ in more than case')
      for (const [id, input] of Object.entries(action.inputs)) {
        assert.match(id, ID, `input id "${id}"`)
        keysWithin(input, ['description', 'required', 'default', 'deprecationMessage'], `input ${id}`)
        nonEmptyString(input.description, `input ${id}: description`)
        if ('required' in input)
          assert.equal(typeof input.required, 'boolean', `input ${id}: required must be true or false`)
        if ('default' in input) {
          assert.equal(
            typeof input.default,
            'string',
            `input ${id}: quote the default ('30', 'false') so it is a string`
          )
        }
      }
    })

    test('outputs: valid ids and a description each (a JavaScript action sets their values)', () => {
      assert.ok(Object.keys(action.outputs).length > 0)
      for (const [id, output] of Object.entries(action.outputs)) {
        assert.match(id, ID, `output id "${id}"`)
        keysWithin(output, ['description'], `output ${id}`)
        nonEmptyString(output.description, `output ${id}: description`)
      }
    })

    test('branding: a Feather icon and a color GitHub accepts', () => {
      const branding = action.raw.branding
      assert.ok(isEntry(branding), 'branding must be a mapping with icon and color')
      keysWithin(branding, ['icon', 'color'], 'branding')
      assert.ok(
        ICONS.includes(String(branding.icon)),
        `branding.icon "${String(branding.icon)}" is not an icon GitHub offers`
      )
      assert.ok(COLORS.includes(String(branding.color)), `branding.color must be one of ${COLORS.join(', ')}`)
    })
  })

  describe(`${file} meets the GitHub Marketplace listing rules`, () => {
    // The release form's own check: "Description must be less than 125 characters." GitHub's publishing page
    // adds: action.yml at the root of the repository, and a name of its own (not an existing action, user,
    // organization or category: only the listing can tell). The form also checks branding (above) and a README.
    test('description: one line under 125 characters', () => {
      const description = String(action.raw.description)
      assert.ok(
        description.length < 125,
        `description has ${description.length} characters: the Marketplace takes < 125`
      )
      assert.doesNotMatch(description, /\n/, 'description: one line (a folded >- scalar)')
    })

    test('name: cannot be an account name (which has no space); action.yml and README.md at the root', () => {
      const name = String(action.raw.name)
      assert.match(name, /\S\s+\S/, `name "${name}" could match a GitHub user or organization`)
      assert.ok(existsSync(join(ROOT, 'action.yml')) && existsSync(join(ROOT, 'README.md')))
    })
  })
}

describe('action.yml agrees with the code', () => {
  const configSource = readFileSync(join(ROOT, 'src/common/config.ts'), 'utf8')
  const source = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
    .filter(file => file.endsWith('.ts'))
    .map(file => readFileSync(join(ROOT, 'src', file), 'utf8'))
    .join('\n')

  test('DEFAULTS in src/common/config.ts are exactly the defaults of action.yml', () => {
    const declared = Object.fromEntries(
      Object.entries(action.inputs).flatMap(([id, input]) => ('default' in input ? [[id, input.default]] : []))
    )
    assert.deepEqual({ ...DEFAULTS }, declared)
  })

  test('src/common/config.ts reads every input that action.yml declares', () => {
    const unread = Object.keys(action.inputs).filter(id => !configSource.includes(`'${id}'`))
    assert.deepEqual(unread, [], `declared in action.yml but never read by src/common/config.ts: ${unread.join(', ')}`)
  })

  test('src/ sets every output that action.yml declares, and no other', () => {
    const set = [...source.matchAll(/setOutput\('([^']+)'/g)].map(match => match[1])
    assert.deepEqual([...new Set(set)].sort(), Object.keys(action.outputs).sort())
  })
})

describe('scan/action.yml agrees with the code', () => {
  const configSource = readFileSync(join(ROOT, 'src/scan/config.ts'), 'utf8')

  test('SCAN_DEFAULTS in src/scan/config.ts are exactly the defaults of scan/action.yml', () => {
    const declared = Object.fromEntries(
      Object.entries(scanAction.inputs).flatMap(([id, input]) => ('default' in input ? [[id, input.default]] : []))
    )
    assert.deepEqual({ ...SCAN_DEFAULTS }, declared)
  })

  test('src/scan/config.ts reads every input that scan/action.yml declares', () => {
    const unread = Object.keys(scanAction.inputs).filter(id => !configSource.includes(`'${id}'`))
    assert.deepEqual(unread, [])
  })

  test('the scan step sets exactly the outputs scan/action.yml declares', () => {
    const report = { comparison: undefined, byStatus: undefined, bySeverity: undefined } as unknown as ScanReport
    assert.deepEqual(Object.keys(scanOutputs(report)).sort(), Object.keys(scanAction.outputs).sort())
  })
})
