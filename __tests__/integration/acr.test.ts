/**
 * ACR end to end, over TLS as in Azure: @azure/identity gets an Entra token
 * from a local authority, the action exchanges it at the registry's
 * /oauth2/exchange, docker logs in with the refresh token and pushes to a
 * real registry behind the ACR-like front, and every tag is read back with
 * the ACR SDK and with skopeo.
 */
import {randomUUID} from 'crypto'
import * as fs from 'fs'
import * as https from 'https'
import * as os from 'os'
import * as path from 'path'
import {errors, runAction} from '../support/action'
import {startAwsServer} from '../support/aws-server'
import {AzureServers, startAzure} from '../support/azure-server'
import {startRegistry} from '../support/registry'
import {OidcServer, startOidcServer} from '../support/oidc-server'
import {requireEngine, skopeoDigest} from '../support/tools'

let az: AzureServers
let oidc: OidcServer
let certsDir: string
const federated = randomUUID()
const withSecret = randomUUID()
const reader = randomUUID()
const secret = `Sup3r~Secret.${randomUUID()}`

beforeAll(async () => {
  await requireEngine()
  oidc = await startOidcServer()
  az = await startAzure()
  az.apps.set(federated, {clientId: federated, assertion: oidc.tokenFor('api://AzureADTokenExchange'), role: 'AcrPush'})
  az.apps.set(withSecret, {clientId: withSecret, secret, role: 'AcrPush'})
  az.apps.set(reader, {clientId: reader, secret, role: 'AcrPull'})
  // the Docker engine trusts the throwaway CA for this registry; it reads CAs only from /etc/docker/certs.d
  // (the suite runs as root, see CONTRIBUTING.md); removed in afterAll, and at exit if afterAll never runs
  certsDir = path.join('/etc/docker/certs.d', az.registryHost)
  const dir = certsDir
  process.once('exit', () => fs.rmSync(dir, {recursive: true, force: true}))
  fs.mkdirSync(certsDir, {recursive: true})
  fs.copyFileSync(az.tls.caFile, path.join(certsDir, 'ca.crt'))
})
afterAll(async () => {
  try {
    if (certsDir) fs.rmSync(certsDir, {recursive: true, force: true})
  } finally {
    await az?.stop()
    await oidc?.stop()
  }
})

function azureEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...oidc.env,
    AZURE_AUTHORITY_HOST: az.authorityHost,
    NODE_EXTRA_CA_CERTS: az.tls.caFile,
    AZURE_CLIENT_ID: '',
    AZURE_TENANT_ID: '',
    AZURE_CLIENT_SECRET: '',
    ...extra
  }
}

function publish(inputs: Record<string, string>, env = azureEnv()) {
  return runAction(
    {
      images: `${az.registryHost}/team/orders`,
      context: '__tests__/fixtures/multistage',
      'build-args': `GREETING=acr-${Date.now()}-${Math.random()}`,
      network: 'none',
      'registry-auth': `- registry: ${az.registryHost}\n  type: acr`,
      ...inputs
    },
    {env: {GITHUB_REF: 'refs/tags/v2.4.0', ...env}}
  )
}

function post(url: string, body: Record<string, string>): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: 'POST',
        ca: fs.readFileSync(az.tls.caFile),
        headers: {'content-type': 'application/x-www-form-urlencoded'}
      },
      res => {
        let text = ''
        res.on('data', d => (text += d))
        res.on('end', () => resolve(JSON.parse(text) as Record<string, string>))
      }
    )
    req.on('error', reject)
    req.end(new URLSearchParams(body).toString())
  })
}

/** What an independent client logs in with: an ACR refresh token for the secret app. */
async function readerCreds(): Promise<{username: string; password: string}> {
  const aad = await post(`${az.authorityHost}/${az.tenant}/oauth2/v2.0/token`, {
    grant_type: 'client_credentials',
    client_id: withSecret,
    client_secret: secret,
    scope: 'https://containerregistry.azure.net/.default'
  })
  const acr = await post(`https://${az.registryHost}/oauth2/exchange`, {
    grant_type: 'access_token',
    service: az.registryHost,
    access_token: aad.access_token ?? ''
  })
  return {username: '00000000-0000-0000-0000-000000000000', password: acr.refresh_token ?? ''}
}

describe('ACR', () => {
  test('federated credential: the runner OIDC token reaches Entra, the exchange gives a refresh token, every tag verified', async () => {
    const seen = az.tokenRequests.length
    const run = await publish({'azure-client-id': federated, 'azure-tenant-id': az.tenant})
    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(oidc.audiences).toContain('api://AzureADTokenExchange')
    const tokenRequest = az.tokenRequests.slice(seen).find(r => r.clientId === federated)
    expect(tokenRequest).toEqual({
      tenant: az.tenant,
      clientId: federated,
      scope: 'https://containerregistry.azure.net/.default',
      grantType: 'client_credentials',
      clientAssertion: oidc.tokenFor('api://AzureADTokenExchange'),
      usedSecret: false
    })
    expect(az.exchanges).toContainEqual({service: az.registryHost, tenant: az.tenant})
    expect(run.stdout).toMatch(
      /logged in as 00000000-0000-0000-0000-000000000000 with an ACR refresh token for the federated credential \(OIDC\)/
    )
    expect(run.stdout).toMatch(/team\/orders: 4 tag\(s\) confirmed with @azure\/container-registry/)
    const creds = await readerCreds()
    for (const tag of ['2.4.0', '2.4', '2', 'latest']) {
      expect(await skopeoDigest(`${az.registryHost}/team/orders:${tag}`, creds)).toBe(run.outputs.digest)
    }
    expect(run.post?.stdout).toContain(`Logged out of ${az.registryHost}`)
  })

  test('client secret: masked, and the push is read back', async () => {
    const run = await publish(
      {'azure-client-id': withSecret, 'azure-tenant-id': az.tenant, 'azure-client-secret': secret},
      azureEnv({GITHUB_REF: 'refs/heads/main'})
    )
    expect(errors(run)).toEqual([])
    expect(run.stdout).toContain(`::add-mask::${secret}`)
    expect(run.stdout.split('\n').filter(l => l.includes(secret) && !l.startsWith('::add-mask::'))).toEqual([])
    expect(await skopeoDigest(`${az.registryHost}/team/orders:main`, await readerCreds())).toBe(run.outputs.digest)
  })

  test('a tag the ACR SDK reads as another image than was pushed fails the step, naming both digests', async () => {
    const creds = {'azure-client-id': withSecret, 'azure-tenant-id': az.tenant, 'azure-client-secret': secret}
    const previous = await publish(creds, azureEnv({GITHUB_REF: 'refs/heads/previous'}))
    expect(errors(previous)).toEqual([])
    // another push moves the tag between the registry read-back and the SDK's
    az.beforeSdkManifestRead = async (repo, reference) => {
      az.beforeSdkManifestRead = undefined
      await az.moveTag(repo, reference, 'previous')
    }
    try {
      const moved = await publish(creds, azureEnv({GITHUB_REF: 'refs/heads/moved'}))
      expect(moved.exitCode).toBe(1)
      const said = errors(moved).join('\n')
      const m = /The ACR SDK reads (\S+) as (sha256:[a-f0-9]{64}), but (sha256:[a-f0-9]{64}) was pushed/.exec(said)
      expect(m?.slice(1)).toEqual([`${az.registryHost}/team/orders:moved`, previous.outputs.digest, expect.any(String)])
      expect(m?.[3]).not.toBe(previous.outputs.digest)
    } finally {
      az.beforeSdkManifestRead = undefined
    }
  })

  test('a wrong client secret: Entra says why, before the build', async () => {
    const run = await publish({
      'azure-client-id': withSecret,
      'azure-tenant-id': az.tenant,
      'azure-client-secret': 'not-the-secret'
    })
    expect(run.exitCode).toBe(1)
    expect(errors(run)[0]).toMatch(
      new RegExp(
        `^Getting an Entra token for ${az.registryHost.replace(/\./g, '\\.')} with the client secret of application ${withSecret} failed: .*AADSTS7000215: Invalid client secret provided`
      )
    )
    expect(run.stdout).not.toMatch(/::group::Build/)
  })

  test.each(['not a url', 'http://127.0.0.1:9'])(
    'AZURE_AUTHORITY_HOST %j: one line that names it, before the build',
    async authority => {
      const run = await publish(
        {'azure-client-id': withSecret, 'azure-tenant-id': az.tenant, 'azure-client-secret': 'any'},
        azureEnv({AZURE_AUTHORITY_HOST: authority})
      )
      expect(run.exitCode).toBe(1)
      expect(errors(run)).toEqual([expect.stringMatching(/^AZURE_AUTHORITY_HOST '.*' is not (a URL|https)/)])
      expect(`${run.stdout}${run.stderr}`).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
      expect(run.stdout).not.toMatch(/::group::Build/)
    }
  )

  test('an identity without push rights fails before the build, naming the role to assign', async () => {
    const run = await publish({'azure-client-id': reader, 'azure-tenant-id': az.tenant, 'azure-client-secret': secret})
    expect(run.exitCode).toBe(1)
    expect(errors(run)[0]).toBe(
      `the client secret of application ${reader} may not push to ${az.registryHost}/team/orders: ACR granted pull. Assign it the AcrPush role (or a repository-scoped token with write) on the registry.`
    )
    expect(run.stdout).not.toMatch(/::group::Build/)
  })

  test('the exchange refused: the registry error text is shown', async () => {
    // an app of another directory: Entra gives it a token there, and the registry refuses it
    const otherTenant = randomUUID()
    const outsider = randomUUID()
    az.apps.set(outsider, {clientId: outsider, tenant: otherTenant, secret, role: 'AcrPush'})
    const run = await publish({
      'azure-client-id': outsider,
      'azure-tenant-id': otherTenant,
      'azure-client-secret': secret
    })
    expect(run.exitCode).toBe(1)
    expect(errors(run)[0]).toMatch(
      new RegExp(
        `refused the token exchange \\(HTTP 401\\): UNAUTHORIZED: tenant ${otherTenant} is not the tenant of registry`
      )
    )
  })

  test('no credential found: says which sources were tried', async () => {
    // a PATH with docker and no Azure CLI (hosted runners have one); AZURE_TOKEN_CREDENTIALS=dev keeps
    // the chain to developer tools, so no managed-identity probe leaves this machine
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-no-az-'))
    fs.symlinkSync('/usr/bin/docker', path.join(bin, 'docker'))
    const run = await publish({}, azureEnv({AZURE_TOKEN_CREDENTIALS: 'dev', PATH: bin})).finally(() =>
      fs.rmSync(bin, {recursive: true, force: true})
    )
    expect(run.exitCode).toBe(1)
    const [err] = errors(run)
    expect(err).toMatch(
      /no Azure credential found\. Tried the default chain \(environment variables .*managed identity, Azure CLI .*\) \(/
    )
    // each source's own reason is passed on
    expect(err).toMatch(/CredentialUnavailableError: Azure CLI could not be found/)
    expect(err).toMatch(
      /\. Set azure-client-id and azure-tenant-id \(with "permissions: id-token: write"\) or azure-client-secret, or run azure\/login before this step\.$/
    )
  })

  test('a federated credential without the OIDC token says what to add', async () => {
    const run = await publish(
      {'azure-client-id': federated, 'azure-tenant-id': az.tenant},
      azureEnv({ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: ''})
    )
    expect(run.exitCode).toBe(1)
    expect(errors(run)[0]).toMatch(/permissions: id-token: write/)
  })
})

describe("our users' release: the orders service to ECR and ACR in one step", () => {
  test('0.1.0 and latest in both registries, read back from both', async () => {
    // ECR: a real registry behind the AWS API's local stand-in, as ecr.test sets it up
    const ecrPassword = `ecr-${randomUUID()}`
    const ecr = await startRegistry({users: {AWS: ecrPassword}})
    const aws = await startAwsServer({
      registryPassword: ecrPassword,
      registryEndpoint: `http://${ecr.host}`,
      webIdentityToken: oidc.tokenFor('sts.amazonaws.com')
    })
    try {
      const key = {id: 'AKIAORDERSRELEASE001', secret: `orders/${randomUUID()}`}
      aws.addKey(key.id, {secret: key.secret})
      aws.repos.set('acme/orders', {
        name: 'acme/orders',
        registryId: aws.account,
        mutability: 'MUTABLE',
        scanOnPush: false
      })
      const registryAuth = [
        `- registry: ${ecr.host}\n  type: ecr\n  region: eu-west-1\n  registry-id: "${aws.account}"`,
        `- registry: ${az.registryHost}\n  type: acr`
      ].join('\n')
      const run = await runAction(
        {
          images: `${ecr.host}/acme/orders\n${az.registryHost}/acme/orders`,
          context: 'examples/orders',
          'build-args': 'BASE_IMAGE=stevedore-local/python-fastapi:bookworm\nAPP_PACKAGE_NAME=orders\nUID=10001',
          network: 'host',
          'semver-tags': 'false',
          'registry-auth': registryAuth,
          'azure-client-id': withSecret,
          'azure-tenant-id': az.tenant,
          'azure-client-secret': secret
        },
        {
          env: azureEnv({
            ...aws.env,
            AWS_CONFIG_FILE: '/nonexistent/aws-config',
            AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
            AWS_ACCESS_KEY_ID: key.id,
            AWS_SECRET_ACCESS_KEY: key.secret,
            AWS_SESSION_TOKEN: '',
            GITHUB_REF: 'refs/tags/v0.1.0'
          })
        }
      )
      expect(errors(run)).toEqual([])
      expect(run.outputs['tag-names']?.split('\n')).toEqual(['0.1.0', 'latest'])
      const digest = run.outputs.digest ?? ''
      expect(JSON.parse(run.outputs.digests ?? '{}')).toEqual({
        [`${ecr.host}/acme/orders`]: digest,
        [`${az.registryHost}/acme/orders`]: digest
      })
      const acrReader = await readerCreds()
      for (const tag of ['0.1.0', 'latest']) {
        expect(await skopeoDigest(`${ecr.host}/acme/orders:${tag}`, {username: 'AWS', password: ecrPassword})).toBe(
          digest
        )
        expect(await skopeoDigest(`${az.registryHost}/acme/orders:${tag}`, acrReader)).toBe(digest)
      }
    } finally {
      await aws.stop()
      await ecr.stop()
    }
  }, 600_000)
})
