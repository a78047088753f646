/** How we log in to each registry in `images`. Pure. */
import {InputError} from '../errors'
import type {CommonInputs, MirrorInputs} from '../inputs/inputs'
import {normalizeRegistryHost} from '../inputs/parsing'
import {AZURE_PUBLIC, AzureCloud, detectRegistryKind} from './registry-kind'

export type LoginMethod =
  | {readonly registry: string; readonly method: 'basic'; readonly username: string; readonly password: string}
  | {
      readonly registry: string
      readonly method: 'ecr'
      readonly region: string
      readonly registryId: string | undefined
    }
  | {readonly registry: string; readonly method: 'ecr-public'}
  | {readonly registry: string; readonly method: 'acr'; readonly cloud: AzureCloud}
  | {readonly registry: string; readonly method: 'anonymous'}

/** The distinct registries of a list of repositories, in order. */
export function registriesOf(images: ReadonlyArray<{registry: string}>): string[] {
  return [...new Set(images.map(i => i.registry))]
}

/**
 * Every registry we log in to: those we push to, the mirror's source, and
 * every `registry-auth` entry and login-action's `registry` even where nothing
 * is pushed (a private base image is pulled with that login, as
 * docker/login-action does).
 */
export function loginRegistries(
  inputs: Pick<CommonInputs, 'push' | 'images' | 'registry-auth' | 'registry'> & {
    readonly source?: MirrorInputs['source'] | undefined
  }
): Array<{registry: string}> {
  return [
    ...(inputs.push ? inputs.images : []),
    ...(inputs.source ? [inputs.source.repository] : []),
    ...inputs['registry-auth'],
    ...(inputs.registry !== undefined ? [{registry: inputs.registry}] : [])
  ]
}

/** Whether a registry logs in with cloud tokens (by its `registry-auth` entry or its host). */
function isCloudLogin(registry: string, auth: CommonInputs['registry-auth']): boolean {
  const entry = auth.find(a => a.registry === registry)
  return entry !== undefined ? entry.type !== 'basic' : detectRegistryKind(registry).kind !== 'basic'
}

/**
 * The one registry `username` and `password` belong to: login-action's `registry` where given;
 * else the registry of `images` that has no `registry-auth` entry and no cloud login. Never the
 * mirror's source (unless it is that same registry): credentials go only to the host they are for,
 * and more than one candidate is refused rather than guessed.
 */
export function credentialsHost(
  inputs: Pick<CommonInputs, 'images' | 'registry-auth' | 'username' | 'registry'>
): string | undefined {
  if (inputs.username === undefined) return undefined
  if (inputs.registry !== undefined) return inputs.registry
  const candidates = registriesOf(inputs.images).filter(
    r => !inputs['registry-auth'].some(a => a.registry === r) && !isCloudLogin(r, inputs['registry-auth'])
  )
  if (candidates.length > 1)
    throw new InputError(
      'username',
      `'username' and 'password' would go to ${candidates.length} registries (${candidates.join(', ')}); ` +
        `set 'registry' to the one they are for (as docker/login-action's registry), and give the others their own 'registry-auth' entries`
    )
  if (candidates.length === 0)
    throw new InputError(
      'username',
      `'username' and 'password' are for no registry here: every registry in images has a registry-auth entry or a cloud login` +
        `${inputs.images.length === 0 ? ' (images is empty)' : ''}; set 'registry' to the host they are for (a mirror's source, say)`
    )
  return candidates[0]
}

/**
 * A `registry-auth` entry decides; else the host (ECR, ECR Public, ACR); else
 * `username`/`password` where they belong (credentialsHost); else anonymous.
 */
export function planLogins(
  images: ReadonlyArray<{registry: string}>,
  inputs: Pick<CommonInputs, 'registry-auth' | 'username' | 'password' | 'aws-region' | 'registry' | 'images'>
): LoginMethod[] {
  const credsHost = credentialsHost(inputs)
  return registriesOf(images).map((registry): LoginMethod => {
    const entry = inputs['registry-auth'].find(a => a.registry === normalizeRegistryHost(registry))
    if (entry?.type === 'basic') return {registry, method: 'basic', username: entry.username, password: entry.password}
    if (entry?.type === 'ecr-public') return {registry, method: 'ecr-public'}
    const kind = detectRegistryKind(registry)
    if (entry?.type === 'acr' || kind.kind === 'acr') {
      return {registry, method: 'acr', cloud: kind.kind === 'acr' ? kind.cloud : AZURE_PUBLIC}
    }
    if (entry?.type === 'ecr' || kind.kind === 'ecr') {
      const region =
        (entry?.type === 'ecr' ? entry.region : undefined) ??
        (kind.kind === 'ecr' ? kind.region : undefined) ??
        inputs['aws-region']
      if (region === undefined) {
        throw new InputError(
          'registry-auth',
          `the ECR registry ${registry} needs a region: add 'region' to its entry, or set 'aws-region'`
        )
      }
      const registryId =
        (entry?.type === 'ecr' ? entry.registryId : undefined) ?? (kind.kind === 'ecr' ? kind.account : undefined)
      return {registry, method: 'ecr', region, registryId}
    }
    if (kind.kind === 'ecr-public') return {registry, method: 'ecr-public'}
    if (registry === credsHost && inputs.username !== undefined && inputs.password !== undefined) {
      return {registry, method: 'basic', username: inputs.username, password: inputs.password}
    }
    return {registry, method: 'anonymous'}
  })
}
