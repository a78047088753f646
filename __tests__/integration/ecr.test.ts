/**
 * ECR end to end: the real AWS SDK talks to a loopback server speaking the
 * ECR, ECR Public and STS wire protocols (SigV4 checked); the token it hands
 * out is the password of a real registry, which docker pushes to and skopeo
 * reads back.
 */
import {randomBytes} from 'crypto'
import {errors, runAction} from '../support/action'
import {AwsServer, startAwsServer} from '../support/aws-server'
import {OidcServer, startOidcServer} from '../support/oidc-server'
import {RegistryRequest, TestRegistry, startRegistry} from '../support/registry'
import {requireEngine, skopeoDigest} from '../support/tools'

const password = `ecr-${randomBytes(12).toString('hex')}`
const creds = {username: 'AWS', password}
const staticKey = {id: 'AKIASTEVEDORETEST01', secret: 'static/Secret+Key/For/Tests0123456789abcd'}
let registry: TestRegistry
let aws: AwsServer
let oidc: OidcServer

beforeAll(async () => {
  await requireEngine()
  registry = await startRegistry({users: {AWS: password}})
  oidc = await startOidcServer()
  aws = await startAwsServer({
    registryPassword: password,
    registryEndpoint: `http://${registry.host}`,
    webIdentityToken: oidc.tokenFor('sts.amazonaws.com')
  })
  aws.addKey(staticKey.id, {secret: staticKey.secret})
  aws.addKey('AKIAEXPIREDKEY000001', {secret: 'expired-secret', expired: true})
  aws.repos.set('orders', {name: 'orders', registryId: aws.account, mutability: 'MUTABLE', scanOnPush: false})
})
afterAll(async () => {
  await registry?.stop()
  await aws?.stop()
  await oidc?.stop()
})

/** No credentials from this machine leak in: only what a test gives. */
function awsEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...aws.env,
    ...oidc.env,
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    AWS_SESSION_TOKEN: '',
    ...extra
  }
}
const withStaticKeys = (extra: Record<string, string> = {}) =>
  awsEnv({AWS_ACCESS_KEY_ID: staticKey.id, AWS_SECRET_ACCESS_KEY: staticKey.secret, ...extra})

function ecrAuth(type = 'ecr'): string {
  return type === 'ecr'
    ? `- registry: ${registry.host}\n  type: ecr\n  region: eu-west-1\n  registry-id: "${aws.account}"`
    : `- registry: ${registry.host}\n  type: ${type}`
}

function publish(
  repo: string,
  env: Record<string, string>,
  extra: Record<string, string> = {},
  greeting = `ecr-${Date.now()}-${Math.random()}`
) {
  return runAction(
    {
      images: `${registry.host}/${repo}`,
      context: '__tests__/fixtures/multistage',
      'build-args': `GREETING=${greeting}`,
      network: 'none',
      'registry-auth': ecrAuth(),
      ...extra
    },
    {env}
  )
}

/** The requests that change a registry: anything but GET and HEAD. */
const writes = (requests: RegistryRequest[]) => requests.filter(r => r.method !== 'GET' && r.method !== 'HEAD')

function callsSince(n: number, target?: string) {
  return aws.calls.slice(n).filter(c => target === undefined || c.target === target)
}

describe('ECR', () => {
  test('default credential chain: one token call for the region, push, read back, log out', async () => {
    const before = aws.calls.length
    const run = await publish('orders', withStaticKeys({GITHUB_REF: 'refs/tags/v0.1.0'}))
    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    const tokenCalls = callsSince(before, 'GetAuthorizationToken')
    expect(tokenCalls).toHaveLength(1)
    expect(tokenCalls[0]).toMatchObject({
      accessKeyId: staticKey.id,
      region: 'eu-west-1',
      service: 'ecr',
      body: {registryIds: [aws.account]}
    })
    expect(callsSince(before, 'DescribeRepositories')[0]?.body).toEqual({
      repositoryNames: ['orders'],
      registryId: aws.account
    })
    for (const tag of ['0.1.0', '0.1', 'latest']) {
      expect(await skopeoDigest(`${registry.host}/orders:${tag}`, creds)).toBe(run.outputs.digest)
    }
    // the token is masked, never printed in the clear
    expect(run.stdout).toContain(`::add-mask::${password}`)
    expect(run.stdout.split('\n').filter(l => l.includes(password) && !l.startsWith('::add-mask::'))).toEqual([])
    expect(run.stdout).toMatch(/logged in as AWS with an ECR token \(eu-west-1\)/)
    expect(run.post?.stdout).toContain(`Logged out of ${registry.host}`)
  })

  test('OIDC: the runner token is exchanged for the role, and ECR is called as that role', async () => {
    const before = aws.calls.length
    const roleArn = `arn:aws:iam::${aws.account}:role/github/publisher`
    aws.roles.add(roleArn)
    const run = await publish('orders', awsEnv(), {
      'aws-role-to-assume': roleArn,
      'aws-role-session-name': 'release-42',
      'aws-region': 'eu-west-1'
    })
    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(oidc.audiences.at(-1)).toBe('sts.amazonaws.com')
    expect(aws.assumeRoleCalls.at(-1)).toEqual({
      roleArn,
      roleSessionName: 'release-42',
      webIdentityToken: oidc.tokenFor('sts.amazonaws.com')
    })
    const tokenCall = callsSince(before, 'GetAuthorizationToken')[0]
    expect(tokenCall?.accessKeyId).toMatch(/^ASIA/)
    expect(run.stdout).toContain(`Assumed ${roleArn} as session release-42`)
    expect(await skopeoDigest(`${registry.host}/orders:main`, creds)).toBe(run.outputs.digest)
  })

  test('a missing repository fails before the build, naming repository, account and region', async () => {
    const run = await publish('missing/repo', withStaticKeys())
    expect(run.exitCode).toBe(1)
    expect(errors(run)).toEqual([
      `ECR repository 'missing/repo' does not exist (account ${aws.account}, region eu-west-1). Create it, or set 'ecr-create-repository: true'.`
    ])
    expect(run.stdout).not.toMatch(/::group::Build/)
  })

  /** An IMMUTABLE repository of this test's own, created by the action with its first release (1.0.0). */
  async function immutableRepo(name: string): Promise<string> {
    const run = await publish(name, withStaticKeys({GITHUB_REF: 'refs/tags/v1.0.0'}), {
      'ecr-create-repository': 'true',
      'ecr-tag-mutability': 'IMMUTABLE',
      'ecr-scan-on-push': 'true'
    })
    expect(errors(run)).toEqual([])
    return run.outputs.digest ?? ''
  }

  test('ecr-create-repository creates it with the requested mutability and scanning', async () => {
    expect(aws.repos.has('billing')).toBe(false)
    const first = await immutableRepo('billing')
    expect(aws.repos.get('billing')).toMatchObject({mutability: 'IMMUTABLE', scanOnPush: true, registryId: aws.account})
    expect(await skopeoDigest(`${registry.host}/billing:latest`, creds)).toBe(first)
  })

  test('immutable: a new release gets its own tags; latest and the major stay where they are', async () => {
    const first = await immutableRepo('billing-next')
    const run = await publish('billing-next', withStaticKeys({GITHUB_REF: 'refs/tags/v1.1.0'}))
    expect(errors(run)).toEqual([])
    expect(run.outputs.tags?.split('\n')).toEqual([
      `${registry.host}/billing-next:1.1.0`,
      `${registry.host}/billing-next:1.1`
    ])
    expect(run.stdout).toMatch(/::notice::.*billing-next is immutable: 'latest' stays at sha256:/)
    expect(run.summary).toMatch(/'1' stays at/)
    expect(await skopeoDigest(`${registry.host}/billing-next:latest`, creds)).toBe(first)
    expect(await skopeoDigest(`${registry.host}/billing-next:1`, creds)).toBe(first)
    expect(await skopeoDigest(`${registry.host}/billing-next:1.1`, creds)).toBe(run.outputs.digest)
  })

  test('immutable: re-publishing the same image skips its tags with a notice', async () => {
    await immutableRepo('billing-same')
    const fixed = {labels: 'org.opencontainers.image.created=2026-01-01T00:00:00Z', tags: 'build-7'}
    const a = await publish('billing-same', withStaticKeys(), fixed, 'same-content')
    expect(errors(a)).toEqual([])
    const after = await registry.since()
    const b = await publish('billing-same', withStaticKeys(), fixed, 'same-content')
    expect(errors(b)).toEqual([])
    expect(b.outputs.imageid).toBe(a.outputs.imageid)
    expect(b.stdout).toMatch(/::notice::.*billing-same:build-7 already holds this image/)
    expect(b.outputs.digest).toBe(a.outputs.digest)
    // the registry saw reads only: no upload started, no manifest written
    expect(writes(await after())).toEqual([])
  })

  test('immutable: a fixed tag that holds another image fails naming both, and nothing is pushed', async () => {
    await immutableRepo('billing-clash')
    const before = await skopeoDigest(`${registry.host}/billing-clash:1.0`, creds)
    const after = await registry.since()
    const run = await publish('billing-clash', withStaticKeys({GITHUB_REF: 'refs/tags/v1.0.0'}))
    expect(run.exitCode).toBe(1)
    const [err] = errors(run)
    expect(err).toMatch(
      /^Nothing was pushed: .*billing-clash:1\.0\.0 already exists as sha256:[a-f0-9]{64} \(image sha256:[a-f0-9]{64}\), and this image is sha256:[a-f0-9]{64} \(image sha256:[a-f0-9]{64}\); the repository is immutable/
    )
    expect(run.stdout).not.toMatch(/::group::Push/)
    expect(writes(await after())).toEqual([])
    expect(await skopeoDigest(`${registry.host}/billing-clash:1.0`, creds)).toBe(before)
  })

  test('ECR Public: token from the ECR Public API in us-east-1', async () => {
    const before = aws.calls.length
    const run = await publish('public-orders', withStaticKeys(), {'registry-auth': ecrAuth('ecr-public')})
    expect(errors(run)).toEqual([])
    expect(callsSince(before, 'public:GetAuthorizationToken')[0]).toMatchObject({
      region: 'us-east-1',
      service: 'ecr-public'
    })
    expect(await skopeoDigest(`${registry.host}/public-orders:main`, creds)).toBe(run.outputs.digest)
  })

  test('throttling is answered with retries', async () => {
    const before = aws.calls.length
    aws.faults.set('GetAuthorizationToken', {type: 'ThrottlingException', message: 'Rate exceeded', count: 2})
    const run = await publish('orders', withStaticKeys())
    expect(errors(run)).toEqual([])
    expect(callsSince(before, 'GetAuthorizationToken')).toHaveLength(3)
  })

  test.each([
    [
      'an expired token',
      {AWS_ACCESS_KEY_ID: 'AKIAEXPIREDKEY000001', AWS_SECRET_ACCESS_KEY: 'expired-secret'},
      /ECR GetAuthorizationToken in eu-west-1 failed: ExpiredTokenException: The security token included in the request is expired\. Check the AWS credentials/
    ],
    [
      'an unknown key',
      {AWS_ACCESS_KEY_ID: 'AKIANOBODYKNOWSTHIS', AWS_SECRET_ACCESS_KEY: 'x'},
      /UnrecognizedClientException: The security token included in the request is invalid/
    ],
    ['a wrong secret', {AWS_ACCESS_KEY_ID: staticKey.id, AWS_SECRET_ACCESS_KEY: 'wrong'}, /InvalidSignatureException/],
    ['no credentials at all', {}, /no AWS credentials found\. Set aws-role-to-assume/]
  ])('%s fails before the build with an error to act on', async (_name, keys, message) => {
    const run = await publish('orders', awsEnv(keys))
    expect(run.exitCode).toBe(1)
    expect(errors(run)[0]).toMatch(message)
    expect(run.stdout).not.toMatch(/::group::Build/)
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
  })

  test('STS out of reach: the message names the network, not the trust policy', async () => {
    const run = await publish('orders', awsEnv({AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9'}), {
      'aws-role-to-assume': `arn:aws:iam::${aws.account}:role/publisher`
    })
    expect(run.exitCode).toBe(1)
    expect(errors(run)[0]).toMatch(
      /^Assuming .* failed: .*STS \(eu-west-1\) was not reached: check the runner's network/
    )
    expect(errors(run)[0]).not.toMatch(/trust policy/)
    expect(run.stdout).not.toMatch(/::group::Build/)
  })

  test('aws-role-to-assume without an OIDC token says what to add', async () => {
    const run = await publish(
      'orders',
      awsEnv({ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: ''}),
      {
        'aws-role-to-assume': `arn:aws:iam::${aws.account}:role/publisher`
      }
    )
    expect(run.exitCode).toBe(1)
    expect(errors(run)[0]).toMatch(/permissions: id-token: write/)
  })
})
