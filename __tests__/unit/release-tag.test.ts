/**
 * The release workflow publishes what it verified, and only the draft it created: scripts/release-tag.mjs
 * against real git repositories (a tag moved or deleted after the verification stops it), and the draft step
 * of .github/workflows/release.yml run by bash with `gh` standing in for GitHub's answers (a release of the tag
 * that exists before, or appears beside the draft, stops it before anything is published).
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { parse } from 'yaml'
import { ROOT } from '../support/runner.ts'

interface Step {
  id?: string
  name?: string
  uses?: string
  run?: string
  with?: Record<string, unknown>
  env?: Record<string, string>
}
interface Job {
  needs?: string | string[]
  env?: Record<string, string>
  outputs?: Record<string, string>
  steps: Step[]
}
const release = parse(readFileSync(join(ROOT, '.github/workflows/release.yml'), 'utf8')) as {
  jobs: Record<string, Job>
}
const verifyJob = release.jobs.verify ?? assert.fail('no verify job')
const releaseJob = release.jobs.release ?? assert.fail('no release job')
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version

const scratch = mkdtempSync(join(tmpdir(), 'binarly-release-'))
after(() => rmSync(scratch, { recursive: true, force: true }))

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env } })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}
const git = (cwd: string, ...args: string[]): string => {
  const result = run('git', ['-c', 'user.name=Release Test', '-c', 'user.email=release@example.com', ...args], cwd)
  assert.equal(result.code, 0, result.stderr)
  return result.stdout.trim()
}
const tagCheck = (cwd: string, tag: string, sha: string) =>
  run(process.execPath, [join(ROOT, 'scripts/release-tag.mjs'), tag, sha], cwd)

describe('scripts/release-tag.mjs: the tag on the remote still points at the verified commit', () => {
  test('a lightweight and an annotated tag at the commit pass; moved or deleted, the release stops', () => {
    const origin = join(scratch, 'origin.git')
    const work = join(scratch, 'work')
    git(scratch, 'init', '--quiet', '--bare', origin)
    git(scratch, 'clone', '--quiet', origin, work)
    git(work, 'commit', '--quiet', '--allow-empty', '-m', 'verified')
    const verified = git(work, 'rev-parse', 'HEAD')
    git(work, 'tag', 'v1.2.3')
    git(work, 'tag', '-a', '-m', 'annotated', 'v1.2.4')
    git(work, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main', 'v1.2.3', 'v1.2.4')
    for (const tag of ['v1.2.3', 'v1.2.4']) {
      const ok = tagCheck(work, tag, verified)
      assert.equal(ok.code, 0, ok.stderr)
      assert.equal(ok.stdout, `${tag} points at ${verified}, the commit this workflow verified.\n`)
    }

    // Someone with push access moves the tag after the verification.
    git(work, 'commit', '--quiet', '--allow-empty', '-m', 'not verified')
    const other = git(work, 'rev-parse', 'HEAD')
    git(work, 'tag', '--force', '-a', '-m', 'moved', 'v1.2.4')
    git(work, 'push', '--quiet', '--force', 'origin', 'v1.2.4')
    const moved = tagCheck(work, 'v1.2.4', verified)
    assert.equal(moved.code, 1)
    assert.equal(moved.stdout, '')
    assert.match(
      moved.stderr,
      new RegExp(
        `^::error::release-tag: v1\\.2\\.4 now points at ${other}, not at ${verified}, the commit this workflow verified`
      )
    )
    // The local tag says nothing: the remote is what GitHub publishes from.
    git(work, 'tag', '--force', 'v1.2.4', verified)
    assert.equal(tagCheck(work, 'v1.2.4', verified).code, 1)

    git(work, 'push', '--quiet', 'origin', ':refs/tags/v1.2.3')
    const deleted = tagCheck(work, 'v1.2.3', verified)
    assert.equal(deleted.code, 1)
    assert.match(deleted.stderr, /v1\.2\.3 no longer exists on origin/)

    for (const [tag, sha, says] of [
      ['v1', verified, /"v1" is not a release tag/],
      ['v1.2.3', 'HEAD', /"HEAD" is not the 40-hex SHA/]
    ] as const) {
      const bad = tagCheck(work, tag, sha)
      assert.equal(bad.code, 1)
      assert.match(bad.stderr, says)
    }
    const noRemote = run(process.execPath, [join(ROOT, 'scripts/release-tag.mjs'), 'v1.2.3', verified], work, {
      RELEASE_REMOTE: join(scratch, 'nothing-here')
    })
    assert.equal(noRemote.code, 1)
    assert.match(noRemote.stderr, /could not read the tags of .*nothing was published/)
  })
})

describe('release.yml publishes the verified commit', () => {
  test('the verify job records the commit it checked; the release job checks out and publishes that one', () => {
    const record = verifyJob.steps.find(s => s.id === 'commit')
    assert.ok(record?.run, 'no step records the verified commit')
    assert.match(record.run, /sha=\$\(git rev-parse HEAD\)/)
    assert.match(record.run, /\[ "\$sha" = "\$GITHUB_SHA" \] \|\| \{[^}]*exit 1/)
    assert.match(record.run, /echo "sha=\$sha" >> "\$GITHUB_OUTPUT"/)
    assert.ok(
      verifyJob.steps.indexOf(record) < verifyJob.steps.findIndex(s => s.run?.includes('git merge-base')),
      'recorded before the checks'
    )
    assert.equal(verifyJob.outputs?.sha, '${{ steps.commit.outputs.sha }}')
    assert.equal(releaseJob.env?.VERIFIED_SHA, '${{ needs.verify.outputs.sha }}')
    const checkout = releaseJob.steps.find(s => s.uses?.startsWith('actions/checkout@'))
    assert.equal(checkout?.with?.ref, '${{ needs.verify.outputs.sha }}')
    const runs = releaseJob.steps.map(s => s.run ?? '').join('\n')
    assert.ok(!runs.includes('GITHUB_SHA'), 'the release job uses the commit of the moment, not the verified one')
  })

  test('the tag is checked before the draft, before publishing and after; the draft is published by its id', () => {
    const runs = releaseJob.steps.map(s => s.run ?? '')
    const lines = runs.flatMap((run, step) => run.split('\n').map(line => ({ step, line: line.trim() })))
    const at = (pattern: RegExp, from = 0): number => {
      const index = lines.findIndex((l, i) => i >= from && pattern.test(l.line))
      assert.ok(index >= 0, `no release step line matches ${pattern} after line ${from}`)
      return index
    }
    const CHECK = /^node scripts\/release-tag\.mjs "\$TAG" "\$VERIFIED_SHA"$/
    const first = at(CHECK)
    const create = at(/^gh release create "\$TAG" --verify-tag --draft /, first)
    const second = at(CHECK, create)
    const publish = at(/^gh api --method PATCH "repos\/\$GH_REPO\/releases\/\$RELEASE_ID" -F draft=false/, second)
    const third = at(CHECK, publish)
    const verify = at(/^gh release verify "\$TAG" \|\| \{/, third)
    const move = at(/^git tag --force "\$major" "\$VERIFIED_SHA"$/, verify)
    assert.ok(move > verify)
    // Each check is its own command, so its failure stops the step (bash -e).
    assert.notEqual(lines[third]?.step, lines[publish]?.step, 'the check after publishing shares its step')
    const publishStep = releaseJob.steps[lines[publish]?.step ?? -1]
    assert.equal(publishStep?.env?.RELEASE_ID, '${{ steps.draft.outputs.id }}')
    assert.ok(!runs.some(run => /gh release edit/.test(run)), 'a release is published by its tag, whichever that is')
  })
})

describe('release.yml publishes only the draft it created', () => {
  const draftStep = releaseJob.steps.find(s => s.run?.includes('gh release create')) ?? assert.fail('no draft step')

  /**
   * Runs the draft step in bash, with a `gh` that answers the release listings in turn (one line per release
   * of the tag: id, draft, author) and records every call.
   */
  function draft(listings: string[]) {
    const dir = mkdtempSync(join(scratch, 'draft-'))
    const gh = join(dir, 'gh')
    writeFileSync(
      gh,
      `#!/bin/bash\necho "$*" >> "${dir}/calls"\nif [ "$1" = api ]; then\n  n=$(cat "${dir}/n" 2>/dev/null || echo 0)\n  echo $((n + 1)) > "${dir}/n"\n  cat "${dir}/listing-$n" 2>/dev/null || true\nfi\n`
    )
    chmodSync(gh, 0o755)
    listings.forEach((listing, n) => writeFileSync(join(dir, `listing-${n}`), listing))
    writeFileSync(join(dir, 'output'), '')
    const result = run('bash', ['-eo', 'pipefail', '-c', draftStep.run ?? ''], ROOT, {
      PATH: `${dir}:${process.env.PATH ?? ''}`,
      TAG: `v${VERSION}`,
      GH_REPO: 'owner/binarly-m2m-auth',
      RUNNER_TEMP: dir,
      GITHUB_OUTPUT: join(dir, 'output')
    })
    const calls = readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n')
    return { ...result, calls, output: readFileSync(join(dir, 'output'), 'utf8') }
  }

  test('no release of the tag before: it creates the draft and hands on its id', () => {
    const result = draft(['', '77 true github-actions[bot]\n'])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.output, 'id=77\n')
    assert.equal(draftStep.id, 'draft', 'the publish step reads the id as steps.draft.outputs.id')
    assert.match(result.calls[0] ?? '', /^api --paginate repos\/owner\/binarly-m2m-auth\/releases\?per_page=100 --jq /)
    assert.match(result.calls[1] ?? '', new RegExp(`^release create v${VERSION} --verify-tag --draft`))
  })

  test('a release of the tag that exists already (a draft someone made): refused, nothing created', () => {
    for (const before of ['12 true mallory\n', '12 true github-actions[bot]\n', '12 false octocat\n']) {
      const result = draft([before])
      assert.equal(result.code, 1)
      assert.match(result.stdout, /::error::A release of v[\d.]+ exists already \(id, draft, author: 12 /)
      assert.deepEqual(
        result.calls.filter(call => !call.startsWith('api ')),
        [],
        'it went on after finding another release'
      )
      assert.equal(result.output, '')
    }
  })

  test('another release beside its own draft, or a draft it did not author: refused, nothing handed on', () => {
    for (const afterwards of [
      '78 true mallory\n77 true github-actions[bot]\n',
      '77 true mallory\n',
      '77 false github-actions[bot]\n',
      ''
    ]) {
      const result = draft(['', afterwards])
      assert.equal(result.code, 1, afterwards)
      assert.match(result.stdout, /::error::After this workflow created its draft, the releases of v[\d.]+ are/)
      assert.equal(result.output, '', 'an id was handed on to the publish step')
    }
  })
})
