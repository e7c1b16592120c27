/** Whether a process is still there: what the token agent and the post step watch each other with. */

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists, it is only not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
