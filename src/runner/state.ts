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
  /** token-command: the token agent's directory and process, for the post step to stop it. */
  tokenAgentDir: 'token-agent-dir',
  tokenAgentPid: 'token-agent-pid'
} as const
