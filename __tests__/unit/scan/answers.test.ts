/** Binarly's answers, checked against its documented forms before any of it is used (issue 28 mutation-tests these). */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  answerId,
  checkProductId,
  comparisonGroup,
  findingRow,
  findingsPage,
  jsonObject,
  previousImage,
  scanState,
  stateKind,
  uploadedImage,
  uploadUrl
} from '../../../src/scan/answers.ts'

const A = '01ARZ3NDEKTSV4RRFFQ69G5FAV'
const B = '01BX5ZZKBKACTAV9WEVGEMMVRZ'
const C = '01BX5ZZKBKACTAV9WEVGEMMVS0'

describe('answers', () => {
  test('jsonObject: an object, or an error naming the call with the body inert', () => {
    assert.deepEqual(jsonObject('{"a":1}', 'x'), { a: 1 })
    for (const body of ['[1]', 'null', '"s"', 'not json\n::error::x']) {
      assert.throws(
        () => jsonObject(body, 'Checking'),
        /^AnswerError: Checking: the answer is not the JSON object Binarly documents \([^\n]*\)$/
      )
    }
  })

  test('ids: ULIDs, or the paths Binarly writes, else refused inert', () => {
    assert.equal(checkProductId(`products/${A}`), A)
    assert.equal(checkProductId(A), A)
    for (const bad of [`x/${A}`, `${A}0`, `products/${A}/`, `${A.slice(0, 25)}U`, `product/${A}`])
      assert.equal(checkProductId(bad), undefined, bad)
    assert.equal(answerId(A, 'image', 'w'), A)
    assert.equal(answerId(`products/${A}/images/${B}`, 'image', 'w'), B)
    assert.equal(answerId(`products/${A}/images/${B}/scans/${C}`, 'scan', 'w'), C)
    assert.equal(answerId(`products/${A}`, 'product', 'w'), A)
    assert.equal(answerId(`scans/${C}`, 'scan', 'w'), C)
    assert.equal(answerId(`images/${B}/scans/${C}`, 'scan', 'w'), C)
    for (const bad of [
      `${A}\n`,
      `S[1-3]${A.slice(6)}`,
      `products/${A}/images/${B}`,
      `${A}${A}`,
      42,
      undefined,
      null,
      // Crockford base32 has no I, L, O or U; the path is the whole value; a list of one id is not an id.
      ...['I', 'L', 'O', 'U'].map(letter => `${C.slice(0, 25)}${letter}`),
      `x/scans/${C}`,
      `scans/${C}/x`,
      `images/${B}/${C}`,
      [C]
    ]) {
      assert.throws(
        () => answerId(bad, 'scan', 'Finishing'),
        /^AnswerError: Finishing: the scan id in the answer is not a Binarly id \(a 26-character ULID\): [^\n]+$/
      )
    }
    assert.throws(() => answerId(undefined, 'image', 'w'), /ULID\): nothing$/)
  })

  test('uploadUrl: one absolute https: URL (http: with allow-http), no credentials, no whitespace', () => {
    assert.equal(uploadUrl('https://storage.example/b/o?sig=1', false).host, 'storage.example')
    assert.equal(uploadUrl('http://storage.lan/o', true).protocol, 'http:')
    const refused = (value: unknown, allowHttp: boolean, message: RegExp): void =>
      assert.throws(() => uploadUrl(value, allowHttp), message)
    refused('http://storage.lan/o', false, /not one absolute https: URL .* \(an http: URL needs allow-http: true\)$/)
    refused(
      'file:///etc/passwd',
      true,
      /not one absolute https: or http: URL without credentials, and nothing was sent to it: "file:\/\/\/etc\/passwd"$/
    )
    refused('https://u:p@storage.example/o', false, /without credentials/)
    refused('https://storage.example/o\nupload-file = x', false, /"https:\/\/storage\.example\/o\\nupload-file = x"/)
    refused('https://storage.example/o\tx', false, /nothing was sent/)
    refused('/relative/path', false, /nothing was sent/)
    // Any white space or control character, even those a URL parser would percent-encode, and only https:.
    for (const character of [' ', '\u0001', '\u001f', '\u007f', '\u0085', '\u009f', '\u00a0', '\u2028'])
      refused(`https://storage.example/o${character}x`, true, /nothing was sent/)
    refused('xhttps://storage.example/o', false, /nothing was sent/)
    refused('xhttp://storage.example/o', true, /nothing was sent/)
    refused('https://:p@storage.example/o', false, /without credentials/)
    refused(7, false, /: 7$/)
    refused(
      'http://u@storage.lan/o',
      true,
      /without credentials, and nothing was sent to it: "http:\/\/u@storage\.lan\/o"$/
    )
    refused(undefined, true, /: nothing$/)
  })

  test('uploadedImage: the image id and latestScan.id, else scans[0].id', () => {
    assert.deepEqual(uploadedImage({ id: A, latestScan: { id: B }, scans: [{ id: C }] }), { imageId: A, scanId: B })
    assert.deepEqual(uploadedImage({ id: A, scans: [{ id: C }] }), { imageId: A, scanId: C })
    assert.throws(
      () => uploadedImage({ id: A, scans: { 0: { id: C } } }),
      /Finishing the upload: the scan id in the answer is not a Binarly id/
    )
  })

  test('scan states', () => {
    assert.equal(scanState({ latestScanState: { type: 'completed' } }), 'completed')
    assert.equal(scanState({ latestScanState: { type: '' } }), undefined)
    assert.equal(scanState({ latestScanState: { type: 3 } }), undefined)
    assert.equal(scanState({}), undefined)
    assert.deepEqual(
      ['completed', 'done', 'failed', 'cancelled', 'new', 'running', 'in_progress', 'no_scans', undefined].map(
        stateKind
      ),
      ['done', 'done', 'ended', 'ended', 'waiting', 'waiting', 'waiting', 'waiting', 'waiting']
    )
  })

  test('findings pages: a whole-number total and rows', () => {
    assert.deepEqual(findingsPage({ total: 2, rows: [{ id: 'a' }, null, 'x'] }), { total: 2, rows: [{ id: 'a' }] })
    assert.deepEqual(findingsPage({ total: 0, rows: [] }), { total: 0, rows: [] })
    for (const body of [
      { rows: [] },
      { total: -1, rows: [] },
      { total: 1.5, rows: [] },
      { total: '3', rows: [] },
      { total: 2 ** 53, rows: [] },
      { total: 1, rows: {} }
    ]) {
      assert.throws(
        () => findingsPage(body),
        /^AnswerError: Querying findings: the answer has no whole-number total and rows list/
      )
    }
    assert.deepEqual(findingRow({ id: 7, severity: 'high', name: 'CVE-1' }), {
      id: '7',
      severity: 'high',
      title: 'CVE-1'
    })
    assert.deepEqual(findingRow({ title: 'T' }), { id: '(no id)', severity: '(none)', title: 'T' })
    assert.deepEqual(findingRow({ id: {}, name: [] }), { id: '(no id)', severity: '(none)', title: '(no title)' })
    assert.deepEqual(
      [{ status: 'found' }, { status: 'notChanged' }, { status: 'notFound' }, { status: 'x' }, undefined].map(c =>
        comparisonGroup({ comparison: c })
      ),
      ['new', 'unchanged', 'resolved', 'other', 'other']
    )
  })

  test('previousImage: the newest other image created before this one, whatever the list order', () => {
    const at = (m: number): string => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString()
    const images = [
      { id: `products/${C}/images/${B}`, createTime: at(10) },
      { id: A, createTime: at(30) },
      { id: C, createTime: at(20) },
      { id: 'later', createTime: at(40) },
      { id: 'undated' },
      // Created at the same time as C: not before it.
      { id: `products/${C}/images/01BX5ZZKBKACTAV9WEVGEMMVS2`, createTime: at(20) },
      { id: 7 }
    ]
    assert.equal(previousImage({ images }, A), C)
    assert.equal(previousImage({ images }, C), B)
    assert.equal(previousImage({ images }, B), undefined)
    assert.equal(previousImage({ images: 'x' }, A), undefined)
    // Not in the list (yet): every dated image is older.
    assert.throws(
      () => previousImage({ images }, '01BX5ZZKBKACTAV9WEVGEMMVS1'),
      /^AnswerError: Listing the images of the product: the image id in the answer is not a Binarly id.*"later"$/
    )
    // Never the image itself, listed twice; an earlier image without a string id is refused as an empty one.
    assert.equal(
      previousImage({ images: [images[1], { id: `products/${C}/images/${A}`, createTime: at(5) }] }, A),
      undefined
    )
    assert.throws(() => previousImage({ images: [images[1], { id: 7, createTime: at(5) }] }, A), /ULID\): ""$/)
  })
})
