/**
 * Ending a process: what the post step does to a token agent that answered its stop and then hung. Apart from
 * processes.ts, so that the agent's bundle, which never kills, carries no copy of it.
 */

export function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // gone in the meantime
  }
}
