/** Throwaway keys and certificates for tests (openssl), and RS256 JWTs signed with them. */
import {execFileSync} from 'child_process'
import {createPrivateKey, createPublicKey, createSign, createVerify, KeyObject, X509Certificate} from 'crypto'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'

function openssl(args: string[]): void {
  execFileSync('openssl', args, {stdio: 'ignore'})
}

export interface Signer {
  /** PEM certificate of the signing key (what a verifier trusts) */
  readonly certFile: string
  sign(claims: object): string
  /** the claims of a token this signer issued, or undefined if the signature does not hold */
  verify(token: string): Record<string, unknown> | undefined
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url')
}

/** A new RSA key and a self-signed certificate for it, valid for a day. */
function selfSigned(keyFile: string, certFile: string, subject: string): void {
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '1',
    '-subj',
    subject
  ])
}

/** A self-signed key whose JWTs carry the certificate in `x5c` (as docker-registry's token auth expects). */
export function makeSigner(dir: string, name: string): Signer {
  const keyFile = path.join(dir, `${name}.key`)
  const certFile = path.join(dir, `${name}.crt`)
  selfSigned(keyFile, certFile, `/CN=${name}`)
  const key = createPrivateKey(fs.readFileSync(keyFile))
  const pub: KeyObject = createPublicKey(key)
  const certDer = new X509Certificate(fs.readFileSync(certFile)).raw
  return {
    certFile,
    sign(claims) {
      const header = b64url(JSON.stringify({alg: 'RS256', typ: 'JWT', x5c: [certDer.toString('base64')]}))
      const payload = b64url(JSON.stringify(claims))
      return `${header}.${payload}.${b64url(createSign('RSA-SHA256').update(`${header}.${payload}`).sign(key))}`
    },
    verify(token) {
      const [h, p, s] = token.split('.')
      if (!h || !p || !s) return undefined
      const ok = createVerify('RSA-SHA256').update(`${h}.${p}`).verify(pub, Buffer.from(s, 'base64url'))
      return ok ? (JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>) : undefined
    }
  }
}

export interface Tls {
  readonly dir: string
  /** the CA certificate to trust (NODE_EXTRA_CA_CERTS, docker certs.d, skopeo --cert-dir) */
  readonly caFile: string
  readonly key: Buffer
  readonly cert: Buffer
}

/** A throwaway CA and a server certificate for 127.0.0.1 and localhost. */
export function makeTls(): Tls {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-tls-'))
  const f = (n: string) => path.join(dir, n)
  selfSigned(f('ca.key'), f('ca.crt'), '/CN=stevedore throwaway test CA')
  openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
    '-subj',
    '/CN=127.0.0.1'
  ])
  fs.writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n')
  openssl([
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('server.crt'),
    '-days',
    '1',
    '-extfile',
    f('ext.cnf')
  ])
  return {dir, caFile: f('ca.crt'), key: fs.readFileSync(f('server.key')), cert: fs.readFileSync(f('server.crt'))}
}
