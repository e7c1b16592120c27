/**
 * Errors the action raises on purpose. Each carries a message a person can act on; none ever carries a
 * request body, a header or a credential.
 */

/** An input is missing or malformed. Raised before any network call. */
export class InputError extends Error {
  override name = 'InputError'
  constructor(
    readonly input: string,
    message: string
  ) {
    super(`${input}: ${message}`)
  }
}

/** What the server (or the network) answered on one attempt, in a form safe to print. */
export interface AttemptFailure {
  /** HTTP status, when a response arrived. */
  status?: number
  /** OAuth `error` code, when the body was an OAuth error response. */
  error?: string
  /** OAuth `error_description`, when present. */
  errorDescription?: string
  /** A short, credential-free summary of what went wrong (network error code, body excerpt, …). */
  detail: string
  /** Whether trying again could succeed (network trouble, 429, 5xx). */
  transient: boolean
  /** Seconds the server asked us to wait (Retry-After), when it said. */
  retryAfterMs?: number
  /** What to check, for a failure whose detail does not say it: printed once, when the action gives up. */
  hint?: string
}

/** The token endpoint (or discovery document) could not give us a token. */
export class EndpointError extends Error {
  override name = 'EndpointError'
  constructor(
    message: string,
    readonly endpoint: string,
    readonly failure: AttemptFailure,
    readonly attempts = 1
  ) {
    super(message)
  }
}

/** Turns anything thrown into one line a person can read. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message
  if (typeof error === 'string') return error
  // Anything else was thrown by a library; its content is not printed, since nothing vouches for it.
  return `unexpected ${error === null ? 'null' : typeof error} thrown`
}
