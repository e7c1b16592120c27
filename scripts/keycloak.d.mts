// Types for scripts/keycloak.mjs (plain JavaScript so that it also runs as a CLI without a loader).

export declare const REALM: 'BinarlyRealm'

export interface Keycloak {
  /** The server's version, e.g. 26.7.3 (from its version.txt). */
  version: string
  /** e.g. http://127.0.0.1:41234 */
  baseUrl: string
  port: number
  realm: 'BinarlyRealm'
  /** <baseUrl>/realms/BinarlyRealm, also the issuer */
  realmUrl: string
  issuer: string
  tokenEndpoint: string
  introspectionEndpoint: string
  revocationEndpoint: string
  /** <baseUrl>/admin/realms/BinarlyRealm */
  adminUrl: string
  /** Master-realm admin (Keycloak's bootstrap admin), random password per run. */
  admin: { username: string; password: string }
  /**
   * Admin REST API call on adminUrl + path (e.g. 'GET', '/clients?clientId=binarly-ci'); resolves to the parsed JSON
   * answer (undefined when empty), rejects on a non-2xx status.
   */
  adminRequest(method: string, path: string, body?: unknown): Promise<unknown>
  /** Merges these attributes into a client's (e.g. `access.token.lifespan`). */
  setClientAttributes(clientId: string, attributes: Record<string, string>): Promise<void>
  /** Makes a client-jwt client trust exactly these public keys. */
  setClientJwks(clientId: string, jwks: { keys: object[] }): Promise<void>
  /** The shared server directory. */
  home: string
  /** This run's Keycloak home, removed by stop(). */
  runDir: string
  /** The server's stdout and stderr (inside runDir). */
  logFile: string
  /** From spawning kc.sh to the realm's discovery document answering 200. */
  startupMs: number
  /** Resolves with kc.sh's exit code once the server is down. */
  exited: Promise<number | null>
  stop(): Promise<void>
}

export interface StartOptions {
  /** Keycloak version; default KEYCLOAK_VERSION or 26.7.3. Ignored when KEYCLOAK_HOME is set. */
  version?: string
  /** Default: a free port. */
  port?: number
  /** How long to wait for the realm to answer; default 180 s. */
  timeoutMs?: number
}

export declare function startKeycloak(options?: StartOptions): Promise<Keycloak>

/** The unpacked and built server for the version (downloaded and built on first use); returns its directory. */
export declare function ensureDistribution(options?: { version?: string; java?: string }): string

/** The versions `npm run test:keycloak` runs the suite against. */
export declare const SUITE_VERSIONS: string[]

/** kc.sh build/start options for a version (the federated preview flag before 26.6). */
export declare function buildOptions(version: string): string[]

/** Path of a Java >= 21; throws naming what it found otherwise. */
export declare function findJava(): string
