/**
 * The post step's stop (stop-request.ts) against listeners on real Unix sockets: it accepts an answer only
 * when its last line proves the stop key over the nonce and every line, and refuses everything else without
 * returning any of it.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { MAX_LINE_BYTES } from '../../../src/agent/protocol.ts'
import { requestProof, sameProof } from '../../../src/agent/stop-proof.ts'
import {
  AgentUnverified,
  MAX_STOP_ANSWER_BYTES,
  MAX_STOP_RECORDS,
  requestStop,
  stopLine
} from '../../../src/agent/stop-request.ts'
import { provedAnswer, stopListener, trickle } from '../../support/stop-answer.ts'

const KEY = 'stop-key-0123456789abcdef0123456789abcdef'
let dir: string
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'binarly-stop-'))
})
after(() => rmSync(dir, { recursive: true, force: true }))

let n = 0
const RECORD = { source: 'binarly-token', mintedAt: '2026-01-01T00:00:00.000Z', expiresAt: null, token: 't1' }

/** The lines a real agent sends for `records`, under `key`. */
const answerLines = (nonce: string, records: unknown[], key = KEY, count = records.length): string =>
  provedAnswer(key, nonce, records, count)

async function stopWith(answer: (request: { nonce: string; proof: string }, socket: Socket) => void, waitMs = 5000) {
  const path = join(dir, `s${++n}.sock`)
  const server = await stopListener(path, answer)
  try {
    return await requestStop(path, KEY, waitMs)
  } finally {
    server.close()
  }
}

describe('requestStop', () => {
  test('a proved answer: its records, in chunks of any size; the request proves the key', async () => {
    const records = [
      RECORD,
      { ...RECORD, token: undefined, revokedAtRenewal: '2026-01-01T00:01:00.000Z', source: 'renewal' }
    ]
    const got = await stopWith((request, socket) => {
      assert.ok(sameProof(request.proof, requestProof(KEY, request.nonce)))
      const text = answerLines(request.nonce, records)
      for (let i = 0; i < text.length; i += 7) socket.write(text.slice(i, i + 7))
      socket.end()
    })
    assert.deepEqual(got, [
      RECORD,
      { source: 'renewal', mintedAt: RECORD.mintedAt, expiresAt: null, revokedAtRenewal: '2026-01-01T00:01:00.000Z' }
    ])
  })

  for (const [name, answer, reason] of [
    ['the wrong key', (nonce: string) => answerLines(nonce, [RECORD], 'another key'), /proof does not hold/],
    ['a count that is not the lines’', (nonce: string) => answerLines(nonce, [RECORD], KEY, 2), /proof does not hold/],
    // A forged end line: an empty proof, or a prefix of the real one, is no proof.
    ['an empty proof', () => `${JSON.stringify({ end: true, count: 0, proof: '' })}\n`, /proof does not hold/],
    [
      'a prefix of the proof',
      (nonce: string) => answerLines(nonce, [RECORD]).replace(/"proof":"([\w-]+)[\w-]{4}"/, '"proof":"$1"'),
      /proof does not hold/
    ],
    ['a line that is not JSON', () => 'nope\n', /not JSON/],
    ['a refusal', () => '{"ok":false,"error":"no\\n##[error]x"}\n', /it refused the stop\)$/],
    ['the old answer', () => '{"ok":true,"minted":[],"revocationEndpoint":"http://x"}\n', /not a token record/],
    ['no end line', () => `${JSON.stringify(RECORD)}\n`, /closed the connection before the end/]
  ] as const) {
    test(`refused: ${name}`, async () => {
      await assert.rejects(
        stopWith((request, socket) => socket.end(answer(request.nonce))),
        (error: Error) => error instanceof AgentUnverified && reason.test(error.message)
      )
    })
  }

  test('a fresh nonce for every stop: an answer captured from one stop does not prove another', async () => {
    let captured = ''
    const nonces: string[] = []
    const first = await stopWith((request, socket) => {
      nonces.push(request.nonce)
      captured = answerLines(request.nonce, [RECORD])
      socket.end(captured)
    })
    assert.deepEqual(first, [RECORD])
    // What answers at the socket the second time replays the genuine answer to the first stop.
    await assert.rejects(
      stopWith((request, socket) => {
        nonces.push(request.nonce)
        socket.end(captured)
      }),
      (error: Error) => error instanceof AgentUnverified && /proof does not hold/.test(error.message)
    )
    assert.equal(new Set(nonces).size, 2, 'two stops sent the same nonce')
  })

  test('refused: a line longer than any token', async () => {
    await assert.rejects(
      stopWith((_, socket) => socket.write('x'.repeat(MAX_LINE_BYTES + 1))),
      /a line of its answer is longer than any token/
    )
  })

  test('a character split between chunks is read whole (lines are cut in bytes)', async () => {
    const records = [{ ...RECORD, token: 't€€€-ünïcode' }]
    const got = await stopWith((request, socket) => {
      const bytes = Buffer.from(answerLines(request.nonce, records))
      for (let i = 0; i < bytes.length; i += 5) socket.write(bytes.subarray(i, i + 5))
      socket.end()
    })
    assert.deepEqual(got, records)
  })

  test('lines cut anywhere between chunks: a chunk that ends inside a line, or starts with a line end', async () => {
    const second = { ...RECORD, token: 't2' }
    const got = await stopWith((request, socket) => {
      const text = answerLines(request.nonce, [RECORD, second])
      const cut = text.indexOf('\n') + 20
      const end = text.indexOf('\n', cut)
      // A whole line and a piece of the next; the rest of that line; its line end, the end line.
      void trickle(socket, [text.slice(0, cut), text.slice(cut, end), text.slice(end)])
    })
    assert.deepEqual(got, [RECORD, second])
  })

  test('a line of exactly the longest a line may be is read; the answer ends at its end line', async () => {
    const long = { ...RECORD, token: '' }
    long.token = 'x'.repeat(MAX_LINE_BYTES - JSON.stringify(long).length)
    assert.equal(Buffer.byteLength(JSON.stringify(long)), MAX_LINE_BYTES)
    const got = await stopWith((request, socket) => {
      const text = answerLines(request.nonce, [long])
      const cut = text.indexOf('\n')
      // What follows the end line (a record, another end line) is not read, and changes nothing.
      const after = `${JSON.stringify(RECORD)}\n${JSON.stringify({ end: true, count: 2, proof: 'x' })}\n`
      void trickle(socket, [text.slice(0, cut), text.slice(cut) + after])
    })
    assert.deepEqual(got, [long])
  })

  // Issue 27: an impostor streaming records without the proof line cannot grow the post step's memory.
  test('refused: more records than any agent mints, streamed without an end', async () => {
    const line = `${JSON.stringify({ ...RECORD, token: undefined })}\n`
    await assert.rejects(
      stopWith((_, socket) => {
        const batch = line.repeat(10_000)
        for (let i = 0; i <= MAX_STOP_RECORDS / 10_000; i++) socket.write(batch)
      }),
      new RegExp(`its answer holds more than ${MAX_STOP_RECORDS} token records`)
    )
  })

  test('refused: an answer larger than any agent’s, streamed without an end', async () => {
    const line = `${JSON.stringify({ ...RECORD, token: 'x'.repeat(1024 * 1024) })}\n`
    await assert.rejects(
      stopWith((_, socket) => {
        for (let i = 0; i <= MAX_STOP_ANSWER_BYTES / line.length; i++) socket.write(line)
      }),
      /its answer is larger than 32 MiB/
    )
  })

  test('the bounds are inclusive: as many records as any agent mints, and an answer as large as any agent’s', async () => {
    const small = { ...RECORD, token: undefined }
    const many = Array.from({ length: MAX_STOP_RECORDS }, () => small)
    assert.equal(
      (await stopWith((request, socket) => socket.end(answerLines(request.nonce, many)))).length,
      MAX_STOP_RECORDS
    )
    // One more is refused, even proved.
    await assert.rejects(
      stopWith((request, socket) => socket.end(answerLines(request.nonce, [...many, small]))),
      new RegExp(`its answer holds more than ${MAX_STOP_RECORDS} token records`)
    )
    // Three lines of the longest a line may be, and one that makes the answer exactly MAX_STOP_ANSWER_BYTES.
    const line = (bytes: number) => ({ ...RECORD, token: 'x'.repeat(bytes - JSON.stringify(RECORD).length + 2) })
    const endBytes = JSON.stringify({ end: true, count: 4, proof: 'x'.repeat(43) }).length + 1
    const records = [line(MAX_LINE_BYTES), line(MAX_LINE_BYTES), line(MAX_LINE_BYTES)]
    records.push(line(MAX_STOP_ANSWER_BYTES - 3 * (MAX_LINE_BYTES + 1) - 1 - endBytes))
    const got = await stopWith((request, socket) => {
      const bytes = Buffer.from(answerLines(request.nonce, records))
      assert.equal(bytes.length, MAX_STOP_ANSWER_BYTES)
      socket.end(bytes)
    })
    assert.equal(got.length, 4)
  })

  test('no answer in time, and nothing listening', async () => {
    await assert.rejects(
      stopWith(() => undefined, 200),
      /the token agent did not finish its answer within 0 s/
    )
    await assert.rejects(requestStop(join(dir, 'none.sock'), KEY, 1000), /nothing answers at its socket \(ENOENT\)/)
  })
})

test('stopLine: only what the agent writes', () => {
  assert.deepEqual(stopLine(RECORD), RECORD)
  for (const bad of [
    null,
    [],
    'x',
    { ...RECORD, source: 'main' },
    { ...RECORD, mintedAt: 'yesterday' },
    { ...RECORD, expiresAt: 5 },
    { ...RECORD, revokedAtRenewal: 'never' },
    { ...RECORD, token: '' },
    { ...RECORD, token: 5 },
    // Only a plain object is a record: neither an array nor a function that carries a record's fields.
    Object.assign([], RECORD),
    Object.assign(() => undefined, RECORD)
  ]) {
    assert.equal(stopLine(bad), undefined, JSON.stringify(bad))
  }
})
