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
import {listenOnLoopback} from './ports'

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
  /** the region this ECR endpoint is in (ECR Public is in us-east-1) */
  readonly region: string
  /** role ARNs whose trust policy accepts the web identity token */
  readonly roles: Set<string>
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

/** SigV4's date (`20261129T101500Z`) as epoch milliseconds, or NaN. */
function amzDateMs(amzDate: string): number {
  const m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(amzDate)
  if (!m) return Number.NaN
  const [, y, mo, d, h, mi, se] = m.map(Number)
  return Date.UTC(y ?? 0, (mo ?? 1) - 1, d, h, mi, se)
}

/** AWS refuses a signature older or newer than this. */
const SKEW_MS = 15 * 60 * 1000

/**
 * Checks a SigV4 Authorization header as AWS does: the signed headers include host and x-amz-date,
 * the scope's date is the request's, the request is within 15 minutes of the clock, the signature
 * matches, and the scope names the service and region this endpoint is. Returns who signed.
 */
function verifySigV4(
  req: http.IncomingMessage,
  body: Buffer,
  keys: Map<string, Key>,
  expected: {service: string; region: string}
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
  if (!headerNames.includes('host')) {
    throw new AwsFault(
      'InvalidSignatureException',
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
      403
    )
  }
  if (amzDate === '' || !headerNames.includes('x-amz-date')) {
    throw new AwsFault(
      'IncompleteSignatureException',
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
      403
    )
  }
  if (amzDate.slice(0, 8) !== date) {
    throw new AwsFault(
      'InvalidSignatureException',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
      403
    )
  }
  const signedAt = amzDateMs(amzDate)
  if (!(Math.abs(Date.now() - signedAt) <= SKEW_MS)) {
    throw new AwsFault(
      'InvalidSignatureException',
      `Signature expired: ${amzDate} is now earlier or later than the 15 minutes allowed around the server's time.`,
      403
    )
  }
  if (service !== expected.service) {
    throw new AwsFault(
      'InvalidSignatureException',
      `Credential should be scoped to correct service: '${expected.service}'.`,
      403
    )
  }
  if (region !== expected.region) {
    throw new AwsFault(
      'InvalidSignatureException',
      `Credential should be scoped to a valid region, not '${region}'. This endpoint is in '${expected.region}'.`,
      403
    )
  }
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
  region?: string
}): Promise<AwsServer> {
  const account = opts.account ?? '123456789012'
  const region = opts.region ?? 'eu-west-1'
  const roles = new Set<string>()
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

  /** STS's Query protocol: AssumeRoleWithWebIdentity is the one action served (unsigned, as in AWS). */
  const sts = (req: http.IncomingMessage, params: URLSearchParams): string => {
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://x').pathname !== '/')
      throw new AwsFault('UnknownOperationException', `no operation at ${req.method} ${req.url}`, 404)
    if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded'))
      throw new AwsFault('InvalidParameterValue', 'STS takes a form-encoded Query request', 400)
    const action = params.get('Action')
    const version = params.get('Version')
    if (action !== 'AssumeRoleWithWebIdentity')
      throw new AwsFault('InvalidAction', `Could not find operation ${action} for version ${version}`)
    if (version !== '2011-06-15')
      throw new AwsFault('InvalidAction', `Could not find operation ${action} for version ${version}`)
    const call = {
      roleArn: params.get('RoleArn') ?? '',
      roleSessionName: params.get('RoleSessionName') ?? '',
      webIdentityToken: params.get('WebIdentityToken') ?? ''
    }
    assumeRoleCalls.push(call)
    if (!/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/.test(call.roleArn))
      throw new AwsFault('ValidationError', `${call.roleArn} is invalid`)
    if (!/^[\w+=,.@-]{2,64}$/.test(call.roleSessionName))
      throw new AwsFault(
        'ValidationError',
        `1 validation error detected: Value '${call.roleSessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`
      )
    if (call.webIdentityToken !== opts.webIdentityToken)
      throw new AwsFault('InvalidIdentityToken', "Couldn't retrieve verification key from your identity provider")
    if (!roles.has(call.roleArn))
      throw new AwsFault('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 403)
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
          const xml = sts(req, new URLSearchParams(body.toString('utf8')))
          res.writeHead(200, {'content-type': 'text/xml', 'x-amzn-requestid': requestId})
          res.end(xml)
          return
        }
        const isPublic = target.startsWith(ECR_PUBLIC_PREFIX)
        if (!isPublic && !target.startsWith(ECR_PREFIX))
          throw new AwsFault('UnknownOperationException', `unknown operation ${target}`)
        // ECR is regional; ECR Public's API is in us-east-1 only
        const signer = verifySigV4(
          req,
          body,
          keys,
          isPublic ? {service: 'ecr-public', region: 'us-east-1'} : {service: 'ecr', region}
        )
        const op = isPublic ? `public:${target.slice(ECR_PUBLIC_PREFIX.length)}` : target.slice(ECR_PREFIX.length)
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
  const port = await listenOnLoopback(server)
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
    region,
    roles,
    addKey: (id, key) => keys.set(id, key),
    stop: () => new Promise(r => server.close(() => r()))
  }
}
