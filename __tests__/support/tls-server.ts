/**
 * A private CA made by the test (with the `openssl` CLI: Node can parse certificates but not issue them),
 * and a loopback HTTPS server with a leaf certificate from it for localhost, 127.0.0.1 and keycloak.test,
 * fronting the oidc-provider: the "Keycloak behind a corporate CA" of the ca-certificate tests.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFaultProxy, type FaultProxy } from './fault-proxy.ts'

export interface TestCa {
  /** The CA certificate (PEM): what a user passes as ca-certificate. */
  cert: string
  /** A file holding `cert`, for the path form of ca-certificate and for NODE_EXTRA_CA_CERTS. */
  certPath: string
  /** A server key and a certificate for localhost, 127.0.0.1 and keycloak.test, issued by this CA. */
  leaf: { key: string; cert: string }
  /** Deletes the files. */
  remove(): void
}

const TLS_HOSTS = ['localhost', 'keycloak.test'] as const

/** Makes a CA (P-256, valid two days) and a leaf certificate it signed. */
export function makeCa(name: string): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'binarly-ca-'))
  const file = (f: string): string => join(dir, f)
  // Paths come from mkdtemp (no spaces); only the subject, passed last, may have some.
  const openssl = (command: string, ...rest: string[]): void => {
    execFileSync('openssl', [...command.split(' '), ...rest], { stdio: ['ignore', 'ignore', 'pipe'] })
  }
  const ec = '-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes'
  openssl(
    `req -x509 ${ec} -keyout ${file('ca.key')} -out ${file('ca.pem')} -days 2 -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -subj`,
    `/CN=${name}`
  )
  openssl(`req ${ec} -keyout ${file('leaf.key')} -out ${file('leaf.csr')} -subj /CN=localhost`)
  writeFileSync(
    file('leaf.ext'),
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${TLS_HOSTS.map(h => `DNS:${h}`).join(',')},IP:127.0.0.1`
    ].join('\n')
  )
  openssl(
    `x509 -req -in ${file('leaf.csr')} -CA ${file('ca.pem')} -CAkey ${file('ca.key')} -CAcreateserial -days 2 -extfile ${file('leaf.ext')} -out ${file('leaf.pem')}`
  )
  return {
    cert: readFileSync(file('ca.pem'), 'utf8'),
    certPath: file('ca.pem'),
    leaf: { key: readFileSync(file('leaf.key'), 'utf8'), cert: readFileSync(file('leaf.pem'), 'utf8') },
    remove: () => rmSync(dir, { recursive: true, force: true })
  }
}

/** An HTTPS server on 127.0.0.1 with the CA's leaf certificate, forwarding to `upstream` (plain HTTP). */
export function startTlsServer(upstream: string, ca: TestCa): Promise<FaultProxy> {
  return startFaultProxy(upstream, { tls: ca.leaf })
}
