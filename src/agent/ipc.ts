/**
 * The IPC pipe between the main step and its agent carries the setup and one answer; then each side closes
 * it. Whichever side closes first, the other finds it closed, and Node's disconnect() of a closed channel
 * raises ERR_IPC_DISCONNECTED: an 'error' event, which in the agent (no listener) is an uncaught exception
 * that ended it right after it said "ready" (seen under Wine, `npm run test:windows`, one start in three: the
 * agent's send callback ran after the main step had read "ready" and closed the pipe).
 */
export interface IpcChannel {
  readonly connected: boolean
  disconnect(): void
}

/** Closes the IPC pipe unless the other side has closed it already. */
export function closeIpc(channel: IpcChannel): void {
  if (channel.connected) channel.disconnect()
}
