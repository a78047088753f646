/** The AWS (ECR) and Azure (ACR) inputs, and the rule that they need a registry of their cloud. */

import {InputReader, optional} from './reader'
import {InputError} from '../errors'
import {RegistryAuth, parseBoolean, parseChoice} from './parsing'
import type {ImageReference, Repository} from '../registry/reference'
import {detectRegistryKind, isValidAwsRegion, whyNotAcr, whyNotEcr} from '../auth/registry-kind'

/** How each registry we may log in to would be logged in to, by kind (a registry-auth entry decides, else the host). */
function loginKinds(
  images: readonly Repository[],
  source: ImageReference | undefined,
  auth: readonly RegistryAuth[]
): Map<string, string> {
  const kinds = new Map<string, string>()
  for (const registry of [...images.map(r => r.registry), ...(source ? [source.repository.registry] : [])]) {
    kinds.set(registry, auth.find(a => a.registry === registry)?.type ?? detectRegistryKind(registry).kind)
  }
  for (const a of auth) kinds.set(a.registry, a.type)
  return kinds
}

/** What requireCloudRegistries checks: the registries named, and the inputs that serve one cloud's. */
export interface CloudChoices {
  readonly images: readonly Repository[]
  readonly 'registry-auth': readonly RegistryAuth[]
  readonly 'azure-client-id': string | undefined
  readonly 'aws-role-to-assume': string | undefined
  readonly 'ecr-create-repository': boolean
  readonly 'ecr-scan-on-push': boolean
  readonly 'ecr-tag-mutability': 'MUTABLE' | 'IMMUTABLE'
}

/**
 * `azure-client-id` and `aws-role-to-assume` serve ACR and ECR logins only. With
 * no such registry they would be ignored and the push go out anonymously, so
 * that fails, naming the rule each host missed.
 */
export function requireCloudRegistries(inputs: CloudChoices, source: ImageReference | undefined): void {
  const kinds = loginKinds(inputs.images, source, inputs['registry-auth'])
  const hosts = [...kinds.keys()]
  const pushesToEcr = inputs.images.some(r => kinds.get(r.registry) === 'ecr')
  const ecrOnly = [
    inputs['ecr-create-repository'] ? 'ecr-create-repository' : undefined,
    inputs['ecr-scan-on-push'] ? 'ecr-scan-on-push' : undefined,
    inputs['ecr-tag-mutability'] === 'IMMUTABLE' ? 'ecr-tag-mutability' : undefined
  ].find(n => n !== undefined)
  if (ecrOnly !== undefined && !pushesToEcr)
    throw new InputError(
      ecrOnly,
      `applies to ECR repositories it creates, and no repository in images is on ECR (${inputs.images.map(r => whyNotEcr(r.registry)).join('; ') || 'images is empty'})`
    )
  const none = hosts.length === 0 ? 'no registry is named in images, source or registry-auth' : undefined
  if (inputs['azure-client-id'] !== undefined && ![...kinds.values()].includes('acr')) {
    throw new InputError(
      'azure-client-id',
      `logs in to Azure Container Registry, but ${none ?? `no registry is recognised as ACR (${hosts.map(whyNotAcr).join('; ')})`}. ` +
        `For a registry under another name, add it to 'registry-auth' with type: acr`
    )
  }
  if (
    inputs['aws-role-to-assume'] !== undefined &&
    !hosts.some(h => kinds.get(h) === 'ecr' || kinds.get(h) === 'ecr-public')
  ) {
    throw new InputError(
      'aws-role-to-assume',
      `logs in to Amazon ECR, but ${none ?? `no registry is recognised as ECR (${hosts.map(whyNotEcr).join('; ')})`}. ` +
        `For a registry under another name, add it to 'registry-auth' with type: ecr and its region`
    )
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function readAzureInputs(read: InputReader, mask: (secret: string) => void) {
  const secret = optional(read('azure-client-secret'))
  if (secret !== undefined) mask(secret)
  const clientId = optional(read('azure-client-id'))
  if (clientId !== undefined && !GUID.test(clientId)) {
    throw new InputError(
      'azure-client-id',
      `'${clientId}' is not an application (client) ID; expected a GUID such as 11111111-2222-3333-4444-555555555555`
    )
  }
  const tenantId = optional(read('azure-tenant-id'))
  if (tenantId !== undefined && !GUID.test(tenantId) && !/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(tenantId)) {
    throw new InputError(
      'azure-tenant-id',
      `'${tenantId}' is not a tenant; expected a GUID or a domain such as contoso.onmicrosoft.com`
    )
  }
  if ((clientId === undefined) !== (tenantId === undefined)) {
    throw new InputError(
      clientId === undefined ? 'azure-client-id' : 'azure-tenant-id',
      `'azure-client-id' and 'azure-tenant-id' go together; give both or neither`
    )
  }
  if (secret !== undefined && clientId === undefined) {
    throw new InputError('azure-client-secret', `needs 'azure-client-id' and 'azure-tenant-id'`)
  }
  return {'azure-client-id': clientId, 'azure-tenant-id': tenantId, 'azure-client-secret': secret}
}

export function readAwsInputs(read: InputReader, envRegion: string | undefined) {
  const region = optional(read('aws-region')) ?? envRegion
  if (region !== undefined && !isValidAwsRegion(region)) {
    throw new InputError('aws-region', `'${region}' is not an AWS region such as eu-west-1`)
  }
  const role = optional(read('aws-role-to-assume'))
  if (role !== undefined && !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/.test(role)) {
    throw new InputError(
      'aws-role-to-assume',
      `'${role}' is not an IAM role ARN such as arn:aws:iam::123456789012:role/publisher`
    )
  }
  const sessionName = optional(read('aws-role-session-name')) ?? 'stevedore'
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
    throw new InputError(
      'aws-role-session-name',
      `'${sessionName}' is not accepted; use 2-64 of letters, digits and + = , . @ _ -`
    )
  }
  const mutability = parseChoice(
    'ecr-tag-mutability',
    read('ecr-tag-mutability'),
    ['mutable', 'immutable'] as const,
    'mutable'
  )
  return {
    'aws-region': region,
    'aws-role-to-assume': role,
    'aws-role-session-name': sessionName,
    'aws-audience': optional(read('aws-audience')) ?? 'sts.amazonaws.com',
    'ecr-create-repository': parseBoolean('ecr-create-repository', read('ecr-create-repository'), false),
    'ecr-tag-mutability': mutability === 'immutable' ? ('IMMUTABLE' as const) : ('MUTABLE' as const),
    'ecr-scan-on-push': parseBoolean('ecr-scan-on-push', read('ecr-scan-on-push'), false)
  }
}
