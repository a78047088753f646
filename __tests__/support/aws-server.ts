/**
 * A loopback stand-in for the AWS APIs the action calls, speaking their wire
 * protocols so the real SDK talks to it through AWS_ENDPOINT_URL_*:
 * - ECR (JSON 1.1, X-Amz-Target AmazonEC2ContainerRegistry_V20150921.*)
 * - ECR Public (JSON 1.1, X-Amz-Target SpencerFrontendService.*)
 * - STS AssumeRoleWithWebIdentity (Query protocol, XML reply)
 * Every signed request is checked as SigV4 against the keys it knows; STS
 * accepts only the web identity token it is told to expect.
 */
import {createHash, createHmac, randomBytes} from 'crypto'
import * as http from 'http'
import {freePort} from './ports'

interface Key {
  readonly secret: string
  readonly sessionToken?: string
  readonly expired?: boolean
}

export interface Repo {
  readonly name: string
  readonly registryId: string
  mutability: string
  scanOnPush: boolean
}

export interface Fault {
  readonly type: string
  readonly message: string
  /** how many requests it answers; then the operation works again */
  count: number
  readonly status?: number
}

export interface AssumeRoleCall {
  readonly roleArn: string
  readonly roleSessionName: string
  readonly webIdentityToken: string
}

export interface SignedCall {
  readonly target: string
  readonly accessKeyId: string
  readonly region: string
  readonly service: string
  readonly body: Record<string, unknown>
}

export interface AwsServer {
  readonly url: string
  /** the environment that points the SDK here */
  readonly env: Record<string, string>
  readonly account: string
  readonly repos: Map<string, Repo>
  readonly faults: Map<string, Fault>
  readonly calls: SignedCall[]
  readonly assumeRoleCalls: AssumeRoleCall[]
  addKey(accessKeyId: string, key: Key): void
  stop(): Promise<void>
}

const ECR_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.'
const ECR_PUBLIC_PREFIX = 'SpencerFrontendService.'

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest()
}
function sha256hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex')
}

class AwsFault extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400
  ) {
    super(message)
  }
}

/** Checks a SigV4 Authorization header; returns who signed and for what. */
function verifySigV4(
  req: http.IncomingMessage,
  body: Buffer,
  keys: Map<string, Key>
): {accessKeyId: string; region: string; service: string} {
  const auth = req.headers.authorization ?? ''
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      auth
    )
  if (!m) throw new AwsFault('MissingAuthenticationTokenException', 'Missing Authentication Token', 403)
  const [, accessKeyId = '', date = '', region = '', service = '', signedHeaders = '', signature = ''] = m
  const key = keys.get(accessKeyId)
  if (key === undefined)
    throw new AwsFault('UnrecognizedClientException', 'The security token included in the request is invalid.')
  const amzDate = String(req.headers['x-amz-date'] ?? '')
  const headerNames = signedHeaders.split(';')
  const canonicalHeaders = headerNames
    .map(
      h =>
        `${h}:${String(req.headers[h] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`
    )
    .join('')
  const url = new URL(req.url ?? '/', 'http://x')
  const canonical = [
    req.method,
    url.pathname,
    url.searchParams.toString(),
    canonicalHeaders,
    signedHeaders,
    sha256hex(body)
  ].join('\n')
  const scope = `${date}/${region}/${service}/aws4_request`
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonical)].join('\n')
  const kSigning = hmac(hmac(hmac(hmac(`AWS4${key.secret}`, date), region), service), 'aws4_request')
  if (hmac(kSigning, toSign).toString('hex') !== signature) {
    throw new AwsFault(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
      403
    )
  }
  if (key.sessionToken !== undefined && req.headers['x-amz-security-token'] !== key.sessionToken) {
    throw new AwsFault('UnrecognizedClientException', 'The security token included in the request is invalid.')
  }
  if (key.expired) throw new AwsFault('ExpiredTokenException', 'The security token included in the request is expired')
  return {accessKeyId, region, service}
}

export async function startAwsServer(opts: {
  registryPassword: string
  registryEndpoint: string
  /** the OIDC token STS accepts */
  webIdentityToken: string
  account?: string
}): Promise<AwsServer> {
  const account = opts.account ?? '123456789012'
  const keys = new Map<string, Key>()
  const repos = new Map<string, Repo>()
  const faults = new Map<string, Fault>()
  const calls: SignedCall[] = []
  const assumeRoleCalls: AssumeRoleCall[] = []
  const now = (): number => Date.now() / 1000
  const authToken = Buffer.from(`AWS:${opts.registryPassword}`).toString('base64')

  const repoJson = (r: Repo, region: string) => ({
    repositoryArn: `arn:aws:ecr:${region}:${r.registryId}:repository/${r.name}`,
    registryId: r.registryId,
    repositoryName: r.name,
    repositoryUri: `${r.registryId}.dkr.ecr.${region}.amazonaws.com/${r.name}`,
    createdAt: now(),
    imageTagMutability: r.mutability,
    imageScanningConfiguration: {scanOnPush: r.scanOnPush},
    encryptionConfiguration: {encryptionType: 'AES256'}
  })

  const ecr = (op: string, body: Record<string, unknown>, region: string): unknown => {
    switch (op) {
      case 'GetAuthorizationToken': {
        const ids = (body.registryIds as string[] | undefined) ?? [account]
        return {
          authorizationData: ids.map(id => ({
            authorizationToken: authToken,
            expiresAt: now() + 43200,
            proxyEndpoint: id === account ? opts.registryEndpoint : `https://${id}.dkr.ecr.${region}.amazonaws.com`
          }))
        }
      }
      case 'DescribeRepositories': {
        const names = (body.repositoryNames as string[] | undefined) ?? [...repos.keys()]
        const registryId = (body.registryId as string | undefined) ?? account
        const found = names.map(n => {
          const r = repos.get(n)
          if (r === undefined || r.registryId !== registryId) {
            throw new AwsFault(
              'RepositoryNotFoundException',
              `The repository with name '${n}' does not exist in the registry with id '${registryId}'`
            )
          }
          return repoJson(r, region)
        })
        return {repositories: found}
      }
      case 'CreateRepository': {
        const name = String(body.repositoryName)
        if (repos.has(name))
          throw new AwsFault('RepositoryAlreadyExistsException', `The repository with name '${name}' already exists`)
        const r: Repo = {
          name,
          registryId: (body.registryId as string | undefined) ?? account,
          mutability: (body.imageTagMutability as string | undefined) ?? 'MUTABLE',
          scanOnPush: Boolean((body.imageScanningConfiguration as {scanOnPush?: boolean} | undefined)?.scanOnPush)
        }
        repos.set(name, r)
        return {repository: repoJson(r, region)}
      }
      default:
        throw new AwsFault('UnknownOperationException', `unknown operation ${op}`)
    }
  }

  const sts = (params: URLSearchParams): string => {
    if (params.get('Action') !== 'AssumeRoleWithWebIdentity')
      throw new AwsFault('InvalidAction', `unknown action ${params.get('Action')}`)
    const call = {
      roleArn: params.get('RoleArn') ?? '',
      roleSessionName: params.get('RoleSessionName') ?? '',
      webIdentityToken: params.get('WebIdentityToken') ?? ''
    }
    assumeRoleCalls.push(call)
    if (call.webIdentityToken !== opts.webIdentityToken)
      throw new AwsFault('InvalidIdentityToken', "Couldn't retrieve verification key from your identity provider")
    const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`
    const secret = randomBytes(20).toString('base64')
    const sessionToken = randomBytes(32).toString('base64')
    keys.set(accessKeyId, {secret, sessionToken})
    const expiration = new Date(Date.now() + 3600_000).toISOString()
    return `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <Credentials>
      <AccessKeyId>${accessKeyId}</AccessKeyId>
      <SecretAccessKey>${secret}</SecretAccessKey>
      <SessionToken>${sessionToken}</SessionToken>
      <Expiration>${expiration}</Expiration>
    </Credentials>
    <SubjectFromWebIdentityToken>repo:acme/orders:ref:refs/tags/v1.0.0</SubjectFromWebIdentityToken>
    <AssumedRoleUser>
      <Arn>${call.roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/${call.roleSessionName}</Arn>
      <AssumedRoleId>AROA${randomBytes(6).toString('hex').toUpperCase()}:${call.roleSessionName}</AssumedRoleId>
    </AssumedRoleUser>
    <Audience>sts.amazonaws.com</Audience>
    <Provider>arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>${randomBytes(8).toString('hex')}</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>`
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', c => chunks.push(c as Buffer))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const target = String(req.headers['x-amz-target'] ?? '')
      const requestId = randomBytes(8).toString('hex')
      try {
        if (target === '') {
          const xml = sts(new URLSearchParams(body.toString('utf8')))
          res.writeHead(200, {'content-type': 'text/xml', 'x-amzn-requestid': requestId})
          res.end(xml)
          return
        }
        const signer = verifySigV4(req, body, keys)
        const op = target.startsWith(ECR_PREFIX)
          ? target.slice(ECR_PREFIX.length)
          : target.startsWith(ECR_PUBLIC_PREFIX)
            ? `public:${target.slice(ECR_PUBLIC_PREFIX.length)}`
            : target
        const json = body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {}
        calls.push({target: op, ...signer, body: json})
        const fault = faults.get(op)
        if (fault !== undefined && fault.count > 0) {
          fault.count--
          throw new AwsFault(fault.type, fault.message, fault.status ?? 400)
        }
        const out =
          op === 'public:GetAuthorizationToken'
            ? {authorizationData: {authorizationToken: authToken, expiresAt: now() + 43200}}
            : ecr(op, json, signer.region)
        res.writeHead(200, {'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId})
        res.end(JSON.stringify(out))
      } catch (e) {
        const f = e instanceof AwsFault ? e : new AwsFault('InternalFailure', String(e), 500)
        if (target === '') {
          res.writeHead(f.status, {'content-type': 'text/xml', 'x-amzn-requestid': requestId})
          res.end(
            `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${f.type}</Code><Message>${f.message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
          )
          return
        }
        res.writeHead(f.status, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': requestId,
          'x-amzn-errortype': f.type
        })
        res.end(JSON.stringify({__type: f.type, message: f.message}))
      }
    })
  })
  const port = await freePort()
  await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${port}`
  return {
    url,
    env: {
      AWS_ENDPOINT_URL_ECR: url,
      AWS_ENDPOINT_URL_ECR_PUBLIC: url,
      AWS_ENDPOINT_URL_STS: url,
      AWS_EC2_METADATA_DISABLED: 'true'
    },
    account,
    repos,
    faults,
    calls,
    assumeRoleCalls,
    addKey: (id, key) => keys.set(id, key),
    stop: () => new Promise(r => server.close(() => r()))
  }
}
