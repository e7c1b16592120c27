/**
 * The one way server-supplied text reaches the log, an annotation or the job summary: every known secret
 * redacted (as is, and in the forms JSON and HTML escaping give it), made single-line and inert (CR, LF and
 * every other control character escaped, so no line of it can start a workflow command; and `##[`, which
 * the runner takes for a command wherever it is in a line, broken as `##\[`), and shortened.
 * Pure.
 */

export const REDACTED = '***'
const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/**
 * C0 and C1 controls, DEL, and the Unicode line and paragraph separators: the runner ends a line at LF and
 * at a bare CR, and viewers at the others. Tab is whitespace, collapsed like a space.
 */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g
const NAMED_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r' }
/** The runner's legacy command prefix, acted on anywhere in a line (actions/runner `ActionCommand.TryParse`). */
const COMMAND_PREFIX = /##\[/g

function escapeControl(c: string): string {
  return NAMED_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
}

/**
 * Server text made safe to print: known secrets redacted, control characters escaped, whitespace collapsed,
 * shortened. Redaction runs before the text is reshaped (cutting could leave half a secret) and after
 * (collapsing whitespace or escaping could rebuild one).
 */
export function printable(text: string, max: number, secrets: readonly string[] = []): string {
  const clean = redact(
    redact(text, secrets).replace(CONTROL, escapeControl).replace(/\s+/g, ' ').replace(COMMAND_PREFIX, '##\\[').trim(),
    secrets
  )
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean
}

/**
 * Replaces every secret, as is and as it would appear escaped in JSON or HTML text, by `***`. Should a
 * secret re-form around the marker (one made of asterisks), none of the text is kept.
 */
export function redact(text: string, secrets: readonly string[]): string {
  const forms = new Set<string>()
  for (const secret of secrets) {
    if (!secret) continue
    forms.add(secret)
    for (const json of jsonForms(secret)) forms.add(json)
    /* c8 ignore next: the pattern matches only characters HTML_ESCAPES maps; the fallback is for the type checker */
    forms.add(secret.replace(/[&<>"']/g, c => HTML_ESCAPES[c] ?? c))
  }
  // Longest first, so that a secret containing another is redacted whole.
  const sorted = [...forms].sort((a, b) => b.length - a.length)
  let result = text
  for (const form of sorted) result = result.split(form).join(REDACTED)
  return sorted.some(form => result.includes(form)) ? '(withheld: it contains a secret)' : result
}

/**
 * The ways a JSON string can carry a secret that are not the secret itself: the shortest escaping, `/` as
 * `\/`, and every non-ASCII character as `\uXXXX` in either hex case. (JSON bodies are also quoted from
 * their decoded values, which these forms do not depend on.)
 */
function jsonForms(secret: string): string[] {
  const shortest = JSON.stringify(secret).slice(1, -1)
  const ascii = (upper: boolean): string =>
    shortest.replace(/[^\x20-\x7e]/g, c => {
      const hex = c.charCodeAt(0).toString(16).padStart(4, '0')
      return `\\u${upper ? hex.toUpperCase() : hex}`
    })
  const forms = [shortest, ascii(false), ascii(true)]
  return [...forms, ...forms.map(form => form.replace(/\//g, '\\/'))]
}
