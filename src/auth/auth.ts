/** Logging in: each registry by its method into this run's docker config, plus an API client per registry. */
// Methods: basic, ECR, ECR Public, ACR, anonymous. ECR repositories are checked
// (or created) and ACR push rights are checked here, before anything is built.
import * as core from '@actions/core'
import type {AzureIdentity} from './azure-credentials'
import type {DockerLogins} from '../build/docker'
import type {Ecr, EcrLogin, TagMutability} from './ecr'
import type {CommonInputs} from '../inputs/inputs'
import type {LoginMethod} from './login-plan'
import type {Repository} from '../registry/reference'
import {Credentials, RegistryClient} from '../registry/client'
import {ActionError, errorMessage} from '../errors'
import {AzureCloud, ECR_PUBLIC_REGION} from './registry-kind'

export type Clients = ReadonlyMap<string, RegistryClient>

export interface Session {
  readonly clients: Clients
  /** registries logged in with cloud tokens (the post step logs out of them) */
  readonly cloudLogins: readonly string[]
  /** tag mutability of ECR repositories, by repository name */
  readonly mutability: ReadonlyMap<string, TagMutability>
  /** ACR registries and the identity that logged in, for the read-back through the ACR SDK */
  readonly azure: ReadonlyMap<string, {readonly identity: AzureIdentity; readonly cloud: AzureCloud}>
  /** the client of a registry planned for login (any other is a bug of ours, and throws) */
  client(registry: string): RegistryClient
}

async function awsFor(
  inputs: CommonInputs,
  methods: readonly LoginMethod[],
  env: NodeJS.ProcessEnv
): Promise<Ecr | undefined> {
  const ecrLogins = methods.filter((m): m is EcrLogin => m.method === 'ecr')
  if (ecrLogins.length === 0 && !methods.some(m => m.method === 'ecr-public')) return undefined
  const stsRegion = inputs['aws-region'] ?? ecrLogins[0]?.region ?? ECR_PUBLIC_REGION
  // the AWS SDK is loaded only when a registry needs it
  const [{assumeRoleWithOidc}, {Ecr}] = await Promise.all([import('./aws-credentials.js'), import('./ecr.js')])
  return new Ecr(await assumeRoleWithOidc(inputs, stsRegion, env))
}

/** `docker` is undefined in mirror mode: then only the API clients get the credentials. */
export async function logIn(
  inputs: CommonInputs,
  methods: readonly LoginMethod[],
  docker: DockerLogins | undefined,
  env: NodeJS.ProcessEnv
): Promise<Session> {
  const ecr = await awsFor(inputs, methods, env)
  const ecrLogins = methods.filter((m): m is EcrLogin => m.method === 'ecr')
  const ecrTokens =
    ecr !== undefined && ecrLogins.length > 0 ? await ecr.tokens(ecrLogins) : new Map<string, Credentials>()
  const clients = new Map<string, RegistryClient>()
  const cloudLogins: string[] = []
  const azure = new Map<string, {identity: AzureIdentity; cloud: AzureCloud}>()
  for (const m of methods) {
    let creds: Credentials | undefined
    if (m.method === 'basic') creds = {username: m.username, password: m.password}
    else if (m.method === 'ecr') creds = ecrTokens.get(m.registry)
    else if (m.method === 'ecr-public' && ecr !== undefined) creds = await ecr.publicToken()
    else if (m.method === 'acr') {
      const acr = await acrLogin(inputs, m, env)
      creds = acr.creds
      azure.set(m.registry, {identity: acr.identity, cloud: m.cloud})
    }
    if (await useCredentials(inputs, m, creds, docker, azure.get(m.registry)?.identity)) cloudLogins.push(m.registry)
    clients.set(m.registry, new RegistryClient(m.registry, creds))
  }
  await checkPushes(inputs, methods, clients)
  const mutability =
    ecr === undefined ? new Map<string, TagMutability>() : await ecrRepositories(inputs, ecr, ecrLogins)
  return {
    clients,
    cloudLogins,
    mutability,
    azure,
    client: registry => {
      const client = clients.get(registry)
      if (client === undefined)
        throw new Error(`internal: no registry client for ${registry} (a registry not planned for login)`)
      return client
    }
  }
}

/** ACR: the Entra identity, its refresh token, and push rights on every repository pushed to. */
async function acrLogin(
  inputs: CommonInputs,
  m: Extract<LoginMethod, {method: 'acr'}>,
  env: NodeJS.ProcessEnv
): Promise<{creds: Credentials; identity: AzureIdentity}> {
  // the Azure SDKs are loaded only when a registry needs them
  const [{azureIdentity}, {acrRefreshToken, requirePushRights}] = await Promise.all([
    import('./azure-credentials.js'),
    import('./acr.js')
  ])
  const identity = azureIdentity(inputs, m.cloud, env)
  const creds = await acrRefreshToken(m.registry, m.cloud, identity, inputs['azure-tenant-id'] ?? env.AZURE_TENANT_ID)
  for (const repo of pushedTo(inputs).filter(r => r.registry === m.registry)) {
    await requirePushRights(m.registry, creds, repo.path, identity)
  }
  return {creds, identity}
}

/** Logs docker in with the credentials (where docker is used) and says so; true for a cloud-token login docker holds. */
async function useCredentials(
  inputs: CommonInputs,
  m: LoginMethod,
  creds: Credentials | undefined,
  docker: DockerLogins | undefined,
  identity: AzureIdentity | undefined
): Promise<boolean> {
  if (creds === undefined) {
    // pushing anonymously is worth a notice; reading a public source anonymously is the usual case
    const pushing = pushedTo(inputs).some(r => r.registry === m.registry)
    const say = pushing ? core.notice : core.info
    say(
      `${m.registry}: no credentials given, so ${pushing ? 'pushing to' : 'reading from'} it anonymously. ` +
        `If it needs a login, add it to 'registry-auth' or give 'username' and 'password'.`
    )
    return false
  }
  if (docker !== undefined) await docker.login(m.registry, creds.username, creds.password)
  core.info(
    `${m.registry}: ${docker === undefined ? 'credentials for' : 'logged in as'} ${creds.username}${loginDetail(m, identity)}`
  )
  return docker !== undefined && m.method !== 'basic'
}

/**
 * Every repository pushed to with a password or anonymously, found refused or down now, before the
 * build (ECR repositories are checked by ecrRepositories, ACR push rights by acrLogin).
 */
async function checkPushes(
  inputs: CommonInputs,
  methods: readonly LoginMethod[],
  clients: ReadonlyMap<string, RegistryClient>
): Promise<void> {
  await Promise.all(
    pushedTo(inputs)
      .filter(repo => ['basic', 'anonymous'].includes(methods.find(m => m.registry === repo.registry)?.method ?? ''))
      .map(async repo => {
        try {
          await clients.get(repo.registry)?.checkPush(repo.path)
        } catch (e) {
          throw new ActionError(
            `${repo.name}: pushing is not possible: ${errorMessage(e)}. Nothing was built or pushed`
          )
        }
      })
  )
}

/** ECR repositories pushed to: each exists (or is created, as asked), and its tag mutability. */
async function ecrRepositories(
  inputs: CommonInputs,
  ecr: Ecr,
  ecrLogins: readonly EcrLogin[]
): Promise<Map<string, TagMutability>> {
  const mutability = new Map<string, TagMutability>()
  for (const repo of pushedTo(inputs)) {
    const login = ecrLogins.find(l => l.registry === repo.registry)
    if (login === undefined) continue
    const m = await ecr.ensureRepository(login, repo.path, {
      enabled: inputs['ecr-create-repository'],
      mutability: inputs['ecr-tag-mutability'],
      scanOnPush: inputs['ecr-scan-on-push']
    })
    core.info(`${repo.name}: ECR repository, tags ${m}`)
    mutability.set(repo.name, m)
  }
  return mutability
}

/** The repositories this run pushes to (none with push: false). */
function pushedTo(inputs: Pick<CommonInputs, 'push' | 'images'>): readonly Repository[] {
  return inputs.push ? inputs.images : []
}

function loginDetail(m: LoginMethod, identity: AzureIdentity | undefined): string {
  switch (m.method) {
    case 'ecr':
      return ` with an ECR token (${m.region})`
    case 'ecr-public':
      return ' with an ECR Public token'
    case 'acr':
      return ` with an ACR refresh token for ${identity?.description ?? 'an Azure identity'}`
    default:
      return ''
  }
}
