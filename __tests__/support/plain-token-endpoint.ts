/**
 * A minimal RFC 6749 client credentials token endpoint on loopback, for what oidc-provider refuses to model:
 * client secrets outside printable ASCII. It decodes Basic credentials as §2.3.1 says (Base64, then
 * form-urlencoding of each part) and form credentials as form fields, and compares them exactly.
 */
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface PlainTokenEndpoint {
  url: string
  /** How each request authenticated: 'basic', 'post', or 'rejected'. */
  seen: string[]
  close(): Promise<void>
}

const formDecode = (value: string): string => decodeURIComponent(value.replace(/\+/g, ' '))

export async function startPlainTokenEndpoint(clientId: string, clientSecret: string): Promise<PlainTokenEndpoint> {
  const seen: string[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
      let id: string | null = form.get('client_id')
      let secret: string | null = form.get('client_secret')
      let how = 'post'
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')
      if (basic?.[1]) {
        const decoded = Buffer.from(basic[1], 'base64').toString('utf8')
        const colon = decoded.indexOf(':')
        id = formDecode(decoded.slice(0, colon))
        secret = formDecode(decoded.slice(colon + 1))
        how = 'basic'
      }
      res.setHeader('content-type', 'application/json')
      if (form.get('grant_type') !== 'client_credentials' || id !== clientId || secret !== clientSecret) {
        seen.push('rejected')
        res.statusCode = 401
        res.end(
          JSON.stringify({ error: 'invalid_client', error_description: 'Invalid client or Invalid client credentials' })
        )
        return
      }
      seen.push(how)
      res.end(
        JSON.stringify({ access_token: randomBytes(24).toString('base64url'), token_type: 'Bearer', expires_in: 1800 })
      )
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/realms/BinarlyRealm/protocol/openid-connect/token`,
    seen,
    close: () => new Promise<void>(resolve => server.close(() => resolve()))
  }
}
