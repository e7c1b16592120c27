#!/usr/bin/env node
// Checks that a release tag still points, on the remote, at the commit the release workflow verified
// (.github/workflows/release.yml runs it before it creates the draft, before it publishes and after):
//   node scripts/release-tag.mjs v1.2.3 <40-hex commit SHA>
// A tag can be moved (force-pushed) while the workflow runs, until the published immutable release locks it:
// what is published must be what was verified. Reads the remote (`origin`, or $RELEASE_REMOTE) with
// `git ls-remote`, an annotated tag peeled to its commit. Fails with a `::error::` line saying what to do.
import { execFileSync } from 'node:child_process'

const fail = message => {
  console.error(`::error::release-tag: ${message}`)
  process.exit(1)
}

const [tag = '', expected = ''] = process.argv.slice(2)
if (!/^v\d+\.\d+\.\d+$/.test(tag)) fail(`"${tag}" is not a release tag: expected vMAJOR.MINOR.PATCH.`)
if (!/^[0-9a-f]{40}$/.test(expected)) fail(`"${expected}" is not the 40-hex SHA of the verified commit.`)

const remote = process.env.RELEASE_REMOTE || 'origin'
const ref = `refs/tags/${tag}`
let listing
try {
  listing = execFileSync('git', ['ls-remote', '--tags', remote, ref, `${ref}^{}`], { encoding: 'utf8' })
} catch (error) {
  fail(`could not read the tags of ${remote} (${error.message.split('\n')[0]}): nothing was published.`)
}
// `<sha>\trefs/tags/v1.2.3`, and for an annotated tag also `<commit>\trefs/tags/v1.2.3^{}`.
const refs = new Map(
  listing
    .split('\n')
    .filter(Boolean)
    .map(line => line.split('\t').reverse())
)
const actual = refs.get(`${ref}^{}`) ?? refs.get(ref)
if (!actual) fail(`${tag} no longer exists on ${remote}: it was deleted after the workflow verified ${expected}.`)
if (actual !== expected) {
  fail(
    `${tag} now points at ${actual}, not at ${expected}, the commit this workflow verified: it was moved while the workflow ran. Nothing more is published; find out who moved it, then delete the tag (and its release, if one was published) and tag the commit you mean again.`
  )
}
console.log(`${tag} points at ${expected}, the commit this workflow verified.`)
