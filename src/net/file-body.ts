/**
 * A request body sent from a file (the scan step's upload of an image of several GB): read a chunk at a time
 * into two buffers that are used over and over, each read only once the socket has taken the chunk before it,
 * so memory stays at two chunks and no garbage is made per chunk (a read stream's fresh buffer per chunk let
 * the RSS grow past 100 MiB for a 1 GiB upload: `npm run bench:scan`). Loaded by transport.ts only for such a
 * request.
 */
import { open } from 'node:fs/promises'
import { promisify } from 'node:util'
import type { Writable } from 'node:stream'

/**
 * The size of one read and one write: 4 MiB took a 1 GiB upload to loopback to 0.94-1.06x curl's time, 1 MiB
 * to 1.17-1.26x (`npm run bench:scan`, on two busy cores); two of them are 8 MiB of the step's memory.
 */
export const CHUNK_BYTES = 4 * 1024 * 1024

/** Writes `size` bytes of the file at `path` to `outgoing`, then ends it. */
export async function sendFile(outgoing: Writable, file: { path: string; size: number }): Promise<void> {
  const write = promisify((chunk: Buffer, done: (error?: Error | null) => void) => outgoing.write(chunk, done))
  const handle = await open(file.path)
  try {
    let current = { buffer: Buffer.allocUnsafe(CHUNK_BYTES), written: Promise.resolve() }
    let other = { buffer: Buffer.allocUnsafe(CHUNK_BYTES), written: Promise.resolve() }
    for (let sent = 0; sent < file.size; [current, other] = [other, current]) {
      await current.written
      const { bytesRead } = await handle.read(current.buffer, 0, Math.min(CHUNK_BYTES, file.size - sent), sent)
      if (bytesRead === 0) {
        // transport.ts makes it a TransportError with this code.
        const message = `the file ended after ${sent} of its ${file.size} bytes: it changed while it was sent`
        throw Object.assign(new Error(message), { code: 'EFILECHANGED' })
      }
      sent += bytesRead
      current.written = write(current.buffer.subarray(0, bytesRead))
    }
    await Promise.all([current.written, other.written])
  } finally {
    await handle.close()
  }
  outgoing.end()
}
