/**
 * The one unforgivable bug is a leaked credential. These checks look for every form of a secret in
 * everything a step wrote: its log (but for `::add-mask::` lines), stderr, and its output, env, state and
 * summary files.
 */
import assert from 'node:assert/strict'
import { visibleOutput, type StepResult } from './runner.ts'

/** The forms a secret could be printed in. */
export function formsOf(secret: string): string[] {
  const forms = new Set([
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ v: secret }).toString().slice(2),
    Buffer.from(secret).toString('base64'),
    JSON.stringify(secret).slice(1, -1)
  ])
  return [...forms].filter(f => f.length >= 4)
}

/** Base64 of `id:secret`, raw and RFC 6749 form-encoded: what a Basic header would carry. */
export function basicForms(id: string, secret: string): string[] {
  const enc = (v: string): string => new URLSearchParams({ v }).toString().slice(2)
  return [`${id}:${secret}`, `${enc(id)}:${enc(secret)}`].map(v => Buffer.from(v).toString('base64'))
}

/** A secret that must appear nowhere at all (client secret, private key, passphrase). */
export function assertNowhere(result: StepResult, secrets: string[], label = 'secret'): void {
  const places: Record<string, string> = {
    log: visibleOutput(result),
    'output file': result.files.output,
    'env file': result.files.env,
    'state file': result.files.state,
    summary: result.files.summary
  }
  for (const secret of secrets) {
    for (const form of formsOf(secret)) {
      for (const [place, text] of Object.entries(places)) {
        assert.ok(!text.includes(form), `${label} (a form of it) leaked into the ${place}`)
      }
    }
  }
}

/** The shortest piece of a secret that counts as a leak: a prefix or any other run of this many characters. */
export const PIECE = 8

/** Whether `text` holds a piece of `secret` (PIECE characters of it in a row, its first ones included). */
export function holdsPieceOf(text: string, secret: string): boolean {
  for (let i = 0; i + PIECE <= secret.length; i++) if (text.includes(secret.slice(i, i + PIECE))) return true
  return false
}

/**
 * A token may be in the output, env and state files, but in the log only after `::add-mask::` registered
 * it, and never in the summary.
 */
export function assertMaskedFirst(result: StepResult, token: string): void {
  const first = result.stdout.indexOf(token)
  const mask = result.stdout.indexOf(`::add-mask::${token}`)
  assert.ok(mask >= 0, 'the token was never masked')
  assert.equal(first, mask + '::add-mask::'.length, 'the token appeared in the log before it was masked')
  assert.ok(!visibleOutput(result).includes(token), 'the token appears in the log outside ::add-mask::')
  // Nor any derived piece of it: a prefix "to tell tokens apart" is a leak too.
  assert.ok(!holdsPieceOf(result.files.summary, token), 'the token (a piece of it) appears in the job summary')
}
