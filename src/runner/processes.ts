/**
 * Whether a process is still there: what the token agent and the post step watch each other with. A zombie
 * (a process that has exited, whose parent has not reaped it: a container's first process often never does)
 * has ended. Linux says so in /proc/<pid>/stat; elsewhere a process that can be signalled counts as running.
 */
import { readFileSync } from 'node:fs'

export function alive(pid: number, stat: (pid: number) => string | undefined = procStat): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    // EPERM: the process exists, it is only not ours to signal.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  return !exited(stat(pid))
}

/**
 * /proc/<pid>/stat, or undefined where there is none (not Linux, or the process is gone). Only on Linux: on
 * Windows `/proc/<pid>/stat` is a path on the current drive (C:\proc\… for the agent, D:\proc\… for the post
 * step on GitHub's runners), which any later step can write, and under Wine it is the Linux /proc of other
 * pids; a forged "Z" there would end the agent early or make the post step think it had ended.
 */
export function procStat(pid: number, platform: NodeJS.Platform = process.platform): string | undefined {
  if (platform !== 'linux') return undefined
  try {
    return readFileSync(`/proc/${pid}/stat`, 'latin1')
  } catch {
    return undefined
  }
}

/**
 * Whether a stat line says the process has exited: its state (the field after the command name, which is in
 * parentheses and may itself hold parentheses and spaces) is Z (zombie) or X (dead).
 */
export function exited(stat: string | undefined): boolean {
  if (stat === undefined) return false
  const state = stat.slice(stat.lastIndexOf(')') + 1).trim()[0]
  return state === 'Z' || state === 'X'
}
