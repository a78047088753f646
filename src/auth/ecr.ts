/** Amazon ECR through @aws-sdk: registry tokens and repositories. */
import * as core from '@actions/core'
import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand
} from '@aws-sdk/client-ecr'
import {
  ECRPUBLICClient,
  GetAuthorizationTokenCommand as GetPublicAuthorizationTokenCommand
} from '@aws-sdk/client-ecr-public'
import type {AwsCredentialProvider} from './aws-credentials'
import {ActionError} from '../errors'
import type {LoginMethod} from './login-plan'
import type {Credentials} from '../registry/client'
import {ECR_PUBLIC_REGION} from './registry-kind'

export type EcrLogin = Extract<LoginMethod, {method: 'ecr'}>
export type TagMutability = 'MUTABLE' | 'IMMUTABLE'

interface AwsError {
  name?: string
  message?: string
}

const CREDENTIAL_HINT =
  'Set aws-role-to-assume (with "permissions: id-token: write"), or run aws-actions/configure-aws-credentials before this step.'

/** An SDK failure as one sentence a user can act on. */
export function describeAwsError(what: string, e: unknown): ActionError {
  const err = (e ?? {}) as AwsError
  const name = err.name ?? 'Error'
  const message = err.message ?? String(e)
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return new ActionError(`${what}: no AWS credentials found. ${CREDENTIAL_HINT}`)
  }
  const auth = [
    'ExpiredTokenException',
    'UnrecognizedClientException',
    'InvalidSignatureException',
    'AccessDeniedException'
  ].includes(name)
  return new ActionError(
    `${what} failed: ${name}: ${message}${auth ? `. Check the AWS credentials and their IAM permissions. ${CREDENTIAL_HINT}` : ''}`
  )
}

/** `AWS:<password>` from an authorization token. */
export function decodeAuthorizationToken(token: string): Credentials {
  const decoded = Buffer.from(token, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon <= 0) throw new ActionError('ECR returned an authorization token that is not user:password')
  return {username: decoded.slice(0, colon), password: decoded.slice(colon + 1)}
}

export class Ecr {
  private readonly clients = new Map<string, ECRClient>()

  constructor(private readonly credentials: AwsCredentialProvider | undefined) {}

  private client(region: string): ECRClient {
    let c = this.clients.get(region)
    if (c === undefined) {
      c = new ECRClient({region, maxAttempts: 5, ...(this.credentials ? {credentials: this.credentials} : {})})
      this.clients.set(region, c)
    }
    return c
  }

  /** One GetAuthorizationToken per region, for every account of that region. */
  async tokens(logins: readonly EcrLogin[]): Promise<Map<string, Credentials>> {
    const result = new Map<string, Credentials>()
    const regions = [...new Set(logins.map(l => l.region))]
    for (const region of regions) {
      const inRegion = logins.filter(l => l.region === region)
      const ids = [...new Set(inRegion.map(l => l.registryId).filter((id): id is string => id !== undefined))]
      let data
      try {
        const out = await this.client(region).send(
          new GetAuthorizationTokenCommand(ids.length > 0 && ids.length === inRegion.length ? {registryIds: ids} : {})
        )
        data = out.authorizationData ?? []
      } catch (e) {
        throw describeAwsError(`ECR GetAuthorizationToken in ${region}`, e)
      }
      for (const login of inRegion) {
        const match =
          data.find(
            d => login.registryId !== undefined && (d.proxyEndpoint ?? '').includes(`//${login.registryId}.`)
          ) ?? (data.length === 1 || login.registryId === undefined ? data[0] : undefined)
        if (match?.authorizationToken === undefined) {
          throw new ActionError(
            `ECR returned no authorization token for ${login.registry} (account ${login.registryId ?? 'default'}, ${region})`
          )
        }
        core.setSecret(match.authorizationToken)
        const creds = decodeAuthorizationToken(match.authorizationToken)
        core.setSecret(creds.password)
        result.set(login.registry, creds)
      }
    }
    return result
  }

  async publicToken(): Promise<Credentials> {
    const client = new ECRPUBLICClient({
      region: ECR_PUBLIC_REGION,
      maxAttempts: 5,
      ...(this.credentials ? {credentials: this.credentials} : {})
    })
    try {
      const out = await client.send(new GetPublicAuthorizationTokenCommand({}))
      const token = out.authorizationData?.authorizationToken
      if (token === undefined) throw new ActionError('ECR Public returned no authorization token')
      core.setSecret(token)
      const creds = decodeAuthorizationToken(token)
      core.setSecret(creds.password)
      return creds
    } catch (e) {
      if (e instanceof ActionError) throw e
      throw describeAwsError(`ECR Public GetAuthorizationToken in ${ECR_PUBLIC_REGION}`, e)
    }
  }

  /**
   * The repository's tag mutability; a missing repository is created when
   * asked, else it fails here, before anything is built.
   */
  async ensureRepository(
    login: EcrLogin,
    repositoryName: string,
    create: {readonly enabled: boolean; readonly mutability: TagMutability; readonly scanOnPush: boolean}
  ): Promise<TagMutability> {
    const client = this.client(login.region)
    const registryId = login.registryId
    const where = `account ${registryId ?? "(the credentials' own)"}, region ${login.region}`
    try {
      const out = await client.send(
        new DescribeRepositoriesCommand({repositoryNames: [repositoryName], ...(registryId ? {registryId} : {})})
      )
      return mutabilityOf(out.repositories?.[0]?.imageTagMutability)
    } catch (e) {
      if ((e as AwsError).name !== 'RepositoryNotFoundException')
        throw describeAwsError(`ECR DescribeRepositories for '${repositoryName}' (${where})`, e)
    }
    if (!create.enabled) {
      throw new ActionError(
        `ECR repository '${repositoryName}' does not exist (${where}). Create it, or set 'ecr-create-repository: true'.`
      )
    }
    try {
      const out = await client.send(
        new CreateRepositoryCommand({
          repositoryName,
          imageTagMutability: create.mutability,
          imageScanningConfiguration: {scanOnPush: create.scanOnPush},
          ...(registryId ? {registryId} : {})
        })
      )
      core.info(
        `Created ECR repository '${repositoryName}' (${where}, ${create.mutability}, scan on push ${create.scanOnPush})`
      )
      return mutabilityOf(out.repository?.imageTagMutability ?? create.mutability)
    } catch (e) {
      throw describeAwsError(`ECR CreateRepository '${repositoryName}' (${where})`, e)
    }
  }
}

/** IMMUTABLE and IMMUTABLE_WITH_EXCLUSION are treated as immutable. */
function mutabilityOf(raw: string | undefined): TagMutability {
  return raw !== undefined && raw.startsWith('IMMUTABLE') ? 'IMMUTABLE' : 'MUTABLE'
}
