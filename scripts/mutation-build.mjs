#!/usr/bin/env node
/**
 * Stryker's buildCommand (stryker.config.mjs): builds the test bundles in its sandbox, from the sandbox's
 * instrumented src/, so that the tests that start the bundled agent run the code under test too. Stryker links
 * node_modules into the sandbox only after the build, so the build links the project's own for its run.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, rmSync, symlinkSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const sandbox = fileURLToPath(new URL('..', import.meta.url))
const link = `${sandbox}node_modules`
// The sandbox is .stryker-tmp/sandbox-*/ in the project.
const modules = fileURLToPath(new URL('../../../node_modules', import.meta.url))
if (existsSync(link)) throw new Error(`${link} exists: run this only as Stryker's buildCommand, in its sandbox.`)
symlinkSync(modules, link, 'junction')
try {
  execFileSync('npm', ['run', '-s', 'bundle:test'], { cwd: sandbox, stdio: 'inherit' })
} finally {
  rmSync(link)
}
