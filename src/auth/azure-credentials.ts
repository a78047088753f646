/**
 * Azure credentials through @azure/identity: a federated credential fed by the
 * runner's OIDC token, a client secret, or the default chain.
 */
import * as core from '@actions/core'
import {
  ClientAssertionCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  TokenCredential
} from '@azure/identity'
import {ActionError} from '../errors'
import type {Inputs} from '../inputs/inputs'
import type {AzureCloud} from './registry-kind'

export const AZURE_OIDC_AUDIENCE = 'api://AzureADTokenExchange'
const KNOWN_AUTHORITY_HOSTS = [
  'login.microsoftonline.com',
  'login.chinacloudapi.cn',
  'login.microsoftonline.us',
  'login.microsoftonline.de'
]
const DEFAULT_CHAIN =
  'environment variables (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET / AZURE_FEDERATED_TOKEN_FILE), workload identity, managed identity, Azure CLI (an azure/login session), Azure Developer CLI, Azure PowerShell'

export interface AzureIdentity {
  readonly credential: TokenCredential
  /** what it is, for the log and for errors */
  readonly description: string
}

type AzureInputs = Pick<Inputs, 'azure-client-id' | 'azure-tenant-id' | 'azure-client-secret'>

export function azureIdentity(inputs: AzureInputs, cloud: AzureCloud, env: NodeJS.ProcessEnv): AzureIdentity {
  const authorityHost = env.AZURE_AUTHORITY_HOST || cloud.authorityHost
  let authority: URL
  try {
    authority = new URL(authorityHost)
  } catch {
    throw new ActionError(
      `AZURE_AUTHORITY_HOST '${authorityHost}' is not a URL; give one such as https://login.microsoftonline.com, or unset it`
    )
  }
  if (authority.protocol !== 'https:')
    throw new ActionError(`AZURE_AUTHORITY_HOST '${authorityHost}' is not https; Entra ID is asked over https only`)
  // Instance discovery asks the public cloud about the authority; skip it for hosts it cannot know (Azure Stack, tests).
  const disableInstanceDiscovery = !KNOWN_AUTHORITY_HOSTS.includes(authority.host)
  const options = {authorityHost, disableInstanceDiscovery}
  const clientId = inputs['azure-client-id']
  const tenantId = inputs['azure-tenant-id']
  const secret = inputs['azure-client-secret']
  if (clientId !== undefined && tenantId !== undefined && secret !== undefined) {
    return {
      credential: new ClientSecretCredential(tenantId, clientId, secret, options),
      description: `the client secret of application ${clientId}`
    }
  }
  if (clientId !== undefined && tenantId !== undefined) {
    if (!env.ACTIONS_ID_TOKEN_REQUEST_URL || !env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
      throw new ActionError(
        `'azure-client-id' without 'azure-client-secret' logs in with the workflow's OIDC token, and this job has none: add "permissions: id-token: write" to the job.`
      )
    }
    const getAssertion = async (): Promise<string> => {
      const token = await core.getIDToken(AZURE_OIDC_AUDIENCE)
      core.setSecret(token)
      return token
    }
    return {
      credential: new ClientAssertionCredential(tenantId, clientId, getAssertion, options),
      description: `the federated credential (OIDC) of application ${clientId}`
    }
  }
  return {credential: new DefaultAzureCredential(options), description: `the default chain (${DEFAULT_CHAIN})`}
}

interface AzureSdkError {
  name?: string
  message?: string
  errors?: AzureSdkError[]
}

/** An @azure/identity failure as a sentence a user can act on. */
export function describeAzureError(what: string, identity: AzureIdentity, e: unknown): ActionError {
  const err = (e ?? {}) as AzureSdkError
  const first = (m: string | undefined): string => (m ?? String(e)).split('\n')[0]?.trim() ?? ''
  if (err.name === 'AggregateAuthenticationError' || err.name === 'CredentialUnavailableError') {
    const tried = (err.errors ?? []).map(x => `${x.name ?? 'Error'}: ${first(x.message)}`).join('; ')
    return new ActionError(
      `${what}: no Azure credential found. Tried ${identity.description}${tried ? ` (${tried})` : ''}. ` +
        `Set azure-client-id and azure-tenant-id (with "permissions: id-token: write") or azure-client-secret, or run azure/login before this step.`
    )
  }
  return new ActionError(`${what} with ${identity.description} failed: ${err.name ?? 'Error'}: ${first(err.message)}`)
}
