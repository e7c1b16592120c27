/**
 * Supply chain: what the workflows run is pinned (the Keycloak image of the e2e workflow by digest), a release
 * tag moves the major tag only for a commit on the default branch's history, and only after the release is
 * published the way immutable releases expect and verified.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { parse } from 'yaml'
import { ROOT } from '../support/runner.ts'

interface Step {
  uses?: string
  run?: string
  with?: Record<string, unknown>
  env?: Record<string, string>
}
interface Workflow {
  jobs: Record<string, { needs?: string | string[]; steps: Step[] }>
}

const yamlFile = (path: string): unknown => parse(readFileSync(join(ROOT, path), 'utf8'))

test('the e2e workflow runs a Keycloak image pinned by digest', () => {
  const e2e = yamlFile('.github/workflows/e2e.yml') as Workflow
  const starter = yamlFile('.github/actions/start-keycloak/action.yml') as {
    inputs: { image: { default: string } }
  }
  const starts = Object.values(e2e.jobs).flatMap(job =>
    job.steps.filter(s => s.uses === './.github/actions/start-keycloak')
  )
  assert.ok(starts.length > 0)
  for (const step of starts) {
    const given = step.with?.image
    const image = typeof given === 'string' ? given : starter.inputs.image.default
    assert.match(image, /^quay\.io\/keycloak\/keycloak:[\d.]+@sha256:[0-9a-f]{64}$/)
  }
})

test('release: the tagged commit must be on the default branch before the major tag moves', () => {
  const release = yamlFile('.github/workflows/release.yml') as Workflow
  const verify = release.jobs.verify?.steps ?? []
  const checkout = verify.find(s => s.uses?.startsWith('actions/checkout@'))
  assert.equal(checkout?.with?.['fetch-depth'], 0, 'the check needs the history')
  const check = verify.find(s => s.run?.includes('git merge-base --is-ancestor "$GITHUB_SHA" "origin/$DEFAULT_BRANCH"'))
  assert.ok(check, 'no ancestry check in the verify job')
  assert.equal(check.env?.DEFAULT_BRANCH, '${{ github.event.repository.default_branch }}')
  assert.match(check.run ?? '', /exit 1/)
  const needs = release.jobs.release?.needs
  assert.ok(
    needs === 'verify' || (Array.isArray(needs) && needs.includes('verify')),
    'the release job must need verify'
  )
  assert.ok(release.jobs.release?.steps.some(s => s.run?.includes('git push --force origin "refs/tags/$major"')))
})

test('release: created from the tag as a draft with CHANGELOG notes, published, verified, then the major tag moves', () => {
  const release = yamlFile('.github/workflows/release.yml') as Workflow
  const runs = (release.jobs.release?.steps ?? []).map(step => step.run ?? '')
  const at = (pattern: RegExp): number => {
    const index = runs.findIndex(run => pattern.test(run))
    assert.ok(index >= 0, `no release step matches ${pattern}`)
    return index
  }
  const create = at(/gh release create "\$TAG" --verify-tag --draft .*--notes-file/)
  assert.match(runs[create] ?? '', /node scripts\/release-notes\.mjs "\$TAG"/)
  // Published by the id of the draft this workflow created (release-tag.test.ts holds the rest).
  const publish = at(/gh api --method PATCH "repos\/\$GH_REPO\/releases\/\$RELEASE_ID" -F draft=false/)
  const verify = at(/gh release verify "\$TAG" \|\| \{[^}]*exit 1/)
  const move = at(/git push --force origin "refs\/tags\/\$major"/)
  assert.ok(create < publish && publish < verify && verify < move, 'draft, publish, verify, then move the major tag')
  // The major tag is a plain tag: a release of its own would lock it.
  assert.ok(!runs.some(run => /gh release create "\$major"/.test(run)))
})
