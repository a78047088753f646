/** Which credentials each registry gets. Pure. */
import type {Inputs} from './inputs'
import {normalizeRegistryHost} from './input-parsing'
import type {Credentials} from './registry/client'

/** `registry-auth` entries first; then `username`/`password` for every other registry. */
export function credentialsFor(
  registry: string,
  inputs: Pick<Inputs, 'registry-auth' | 'username' | 'password'>
): Credentials | undefined {
  const host = normalizeRegistryHost(registry)
  const entry = inputs['registry-auth'].find(a => a.registry === host)
  if (entry !== undefined) return {username: entry.username, password: entry.password}
  if (inputs.username !== undefined && inputs.password !== undefined) {
    return {username: inputs.username, password: inputs.password}
  }
  return undefined
}

/** The distinct registries of a list of repositories, in order. */
export function registriesOf(images: ReadonlyArray<{registry: string}>): string[] {
  return [...new Set(images.map(i => i.registry))]
}
