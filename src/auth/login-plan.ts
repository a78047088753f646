/** How we log in to each registry in `images`. Pure. */
import {InputError} from '../errors'
import type {Inputs} from '../inputs/inputs'
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
 * every `registry-auth` entry even where nothing is pushed (a private base
 * image is pulled with that login, as docker/login-action does).
 */
export function loginRegistries(
  inputs: Pick<Inputs, 'push' | 'images' | 'source' | 'registry-auth'>
): Array<{registry: string}> {
  return [
    ...(inputs.push ? inputs.images : []),
    ...(inputs.source ? [inputs.source.repository] : []),
    ...inputs['registry-auth']
  ]
}

/**
 * A `registry-auth` entry decides; else the host (ECR, ECR Public, ACR); else
 * `username`/`password`; else anonymous.
 */
export function planLogins(
  images: ReadonlyArray<{registry: string}>,
  inputs: Pick<Inputs, 'registry-auth' | 'username' | 'password' | 'aws-region'>
): LoginMethod[] {
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
    if (inputs.username !== undefined && inputs.password !== undefined) {
      return {registry, method: 'basic', username: inputs.username, password: inputs.password}
    }
    return {registry, method: 'anonymous'}
  })
}
