/** The scan step's inputs: one typed config, every bad input refused with its name and what to change. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { InputError } from '../../../src/common/errors.ts'
import { parseList, readScanConfig, SEVERITIES, ISSUE_STATUSES } from '../../../src/scan/config.ts'

const P = '01ARZ3NDEKTSV4RRFFQ69G5FAV'
const base = { image: 'bios.bin', 'product-id': P }
const noFiles = {
  readFile: (path: string): string => {
    throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' })
  }
}
const config = (inputs: Record<string, string | undefined>) =>
  readScanConfig(name => ({ ...base, ...inputs })[name], noFiles)
function fails(inputs: Record<string, string | undefined>, input: string, message: RegExp): void {
  assert.throws(
    () => config(inputs),
    (error: unknown) => {
      assert.ok(error instanceof InputError, String(error))
      assert.equal(error.input, input)
      assert.match(error.message, message)
      return true
    }
  )
}

describe('readScanConfig', () => {
  test('defaults: Binarly gate new,inProgress at any severity, 30 s polls, 2 h, the main action network defaults', () => {
    assert.deepEqual(config({}), {
      image: 'bios.bin',
      productId: P,
      productName: undefined,
      imageName: undefined,
      imageVersion: undefined,
      failOnStatus: ['new', 'inProgress'],
      failOnSeverity: [...SEVERITIES],
      apiUrl: undefined,
      scanTimeoutMs: 7_200_000,
      pollIntervalMs: 30_000,
      timeoutMs: 30_000,
      retries: 3,
      allowHttp: false,
      caCertificate: undefined
    })
  })

  test('product-id as Binarly writes it (products/<ULID>) or bare; product-name when it is empty', () => {
    assert.equal(config({ 'product-id': `products/${P}`, 'product-name': 'ignored' }).productId, P)
    assert.equal(config({ 'product-id': `products/${P}`, 'product-name': 'ignored' }).productName, undefined)
    const named = config({ 'product-id': '', 'product-name': 'router' })
    assert.deepEqual([named.productId, named.productName], [undefined, 'router'])
    fails({ 'product-id': '' }, 'product-id', /is empty, and so is product-name/)
    fails({ 'product-id': 'S[1-3]' }, 'product-id', /"S\[1-3\]" is not a Binarly product id/)
    fails({ 'product-id': `${P}\n::add-mask::x` }, 'product-id', /control characters/)
    fails({ 'product-id': P.toLowerCase() }, 'product-id', /not a Binarly product id/)
  })

  test('fail-on-status and fail-on-severity take Binarly words, matched exactly, never by substring', () => {
    const c = config({ 'fail-on-status': ' rejected , new,new', 'fail-on-severity': 'critical,high' })
    assert.deepEqual(c.failOnStatus, ['rejected', 'new'])
    assert.deepEqual(c.failOnSeverity, ['critical', 'high'])
    for (const word of ['renew', 'progress', 'in_progress', 'New', 'new inProgress', '']) {
      fails(
        { 'fail-on-status': `new,${word}` },
        'fail-on-status',
        /is not one of new, inProgress, remediated, rejected/
      )
    }
    fails({ 'fail-on-severity': 'highest' }, 'fail-on-severity', /"highest" is not one of critical, high/)
    fails({ 'fail-on-severity': 'hi' }, 'fail-on-severity', /"hi" is not one of/)
    assert.deepEqual(parseList('x', 'remediated', ISSUE_STATUSES), ['remediated'])
    // An empty input is the default, as an input left out.
    assert.deepEqual(config({ 'fail-on-status': '  ' }).failOnStatus, ['new', 'inProgress'])
  })

  test('api-url: a base URL, https unless loopback or allow-http', () => {
    assert.equal(config({ 'api-url': 'https://api.example.com/' }).apiUrl?.href, 'https://api.example.com/')
    assert.equal(config({ 'api-url': 'https://example.com/binarly//' }).apiUrl?.href, 'https://example.com/binarly')
    assert.equal(config({ 'api-url': 'http://127.0.0.1:8080' }).apiUrl?.origin, 'http://127.0.0.1:8080')
    assert.equal(config({ 'api-url': 'http://binarly.lan', 'allow-http': 'true' }).apiUrl?.origin, 'http://binarly.lan')
    fails(
      { 'api-url': 'http://binarly.lan' },
      'api-url',
      /uses http:\/\/, which would send the job's tokens and the image in clear text/
    )
    fails({ 'api-url': 'dashboard' }, 'api-url', /is not a URL/)
    fails({ 'api-url': 'ftp://x.example' }, 'api-url', /uses ftp:, expected an https:\/\/ URL/)
    for (const url of ['https://u:p@x.example', 'https://x.example/?a=1', 'https://x.example/#f']) {
      fails({ 'api-url': url }, 'api-url', /give the base URL only/)
    }
  })

  test('numbers, names and files', () => {
    const c = config({
      'scan-timeout': '60',
      'poll-interval': '5',
      timeout: '2.5',
      retries: '0',
      'image-name': 'BIOS',
      'image-version': '1.2'
    })
    assert.deepEqual([c.scanTimeoutMs, c.pollIntervalMs, c.timeoutMs, c.retries], [60_000, 5000, 2500, 0])
    assert.deepEqual([c.imageName, c.imageVersion], ['BIOS', '1.2'])
    fails({ 'scan-timeout': '0' }, 'scan-timeout', /out of range: use a whole number of seconds from 1 to 86400/)
    fails({ 'poll-interval': '1.5' }, 'poll-interval', /not a whole number/)
    fails({ image: '' }, 'image', /is empty: set it to the path of the firmware image/)
    fails({ 'image-version': '1\n::error::x' }, 'image-version', /control characters/)
    fails({ 'ca-certificate': 'ca.pem' }, 'ca-certificate', /no such file could be read \(ENOENT\)/)
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
    assert.equal(
      readScanConfig(name => ({ ...base, 'ca-certificate': 'ca.pem' })[name], { readFile: () => pem }).caCertificate,
      pem
    )
  })
})
