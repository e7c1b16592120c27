/** What the main step leaves for the post step (GITHUB_STATE), written only after the token is masked. */
export const STATE = {
  token: 'token',
  tokenEndpoint: 'token-endpoint',
  revocationEndpoint: 'revocation-endpoint',
  expiresAt: 'expires-at',
  /** The audience of the GitHub OIDC token the exchange used (github_oidc), so revocation uses the same. */
  oidcAudience: 'oidc-audience',
  /** "true" when other jobs use this token (share: true, or it came from shared-token): never revoke it. */
  shared: 'shared',
  /** When the main step got its token (ISO-8601; empty for a reused shared-token), for the token audit. */
  issuedAt: 'issued-at',
  /** The network settings the main step ran with (net/main-step-network.ts): the post step uses them. */
  network: 'network',
  /**
   * token-command: what the post step needs to find and stop the token agent, and never takes from the
   * agent's directory (later steps can rewrite it): the directory, process, socket (or pipe), the stop key
   * (only the agent knows it besides), and how long an answer may take.
   */
  tokenAgentDir: 'token-agent-dir',
  tokenAgentPid: 'token-agent-pid',
  tokenAgentSocket: 'token-agent-socket',
  tokenAgentStopKey: 'token-agent-stop-key',
  tokenAgentWaitMs: 'token-agent-wait-ms'
} as const
