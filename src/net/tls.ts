/**
 * Extra trusted CAs (`ca-certificate`): added to Node's default CA list for the whole process, so they
 * apply to direct connections and to connections tunnelled through a proxy alike (a per-request `ca`
 * option is lost on the proxy path). NODE_EXTRA_CA_CERTS stays in force: it is part of the default list.
 */
import tls from 'node:tls'
import { X509Certificate } from 'node:crypto'
import { InputError } from '../common/errors.js'

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g

/** Splits a PEM bundle into certificates, checking each one parses. Pure. */
export function splitPemBundle(pem: string): string[] {
  const certs = pem.match(PEM_CERT) ?? []
  if (certs.length === 0) {
    throw new InputError('ca-certificate', 'holds no PEM certificate (-----BEGIN CERTIFICATE-----).')
  }
  certs.forEach((cert, index) => {
    try {
      new X509Certificate(cert)
    } catch {
      throw new InputError(
        'ca-certificate',
        `certificate ${index + 1} of ${certs.length} is not a valid X.509 certificate: check the PEM text was copied whole.`
      )
    }
  })
  return certs
}

/** The part of `node:tls` that holds the default CA list (Node 24 added setDefaultCACertificates). */
export type CaStore = Pick<typeof tls, 'getCACertificates'> & Partial<Pick<typeof tls, 'setDefaultCACertificates'>>

/**
 * Trusts the given CAs in addition to the default ones, for every TLS connection of this process. `store`
 * and `nodeVersion` are this process's, but for tests of an older Node.
 */
export function trustExtraCAs(pem: string, store: CaStore = tls, nodeVersion = process.version): number {
  const extra = splitPemBundle(pem)
  if (typeof store.setDefaultCACertificates !== 'function') {
    throw new InputError(
      'ca-certificate',
      `needs Node.js 24 or newer (this is ${nodeVersion}): run the action with runs.using node24.`
    )
  }
  store.setDefaultCACertificates([...store.getCACertificates('default'), ...extra])
  return extra.length
}
