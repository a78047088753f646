/** Logging in: docker login per registry (this run's config), and an API client per registry. */
import * as core from '@actions/core'
import {credentialsFor, registriesOf} from './credentials'
import type {Docker} from './docker'
import type {Inputs} from './inputs'
import {RegistryClient} from './registry/client'

export type Clients = ReadonlyMap<string, RegistryClient>

export async function logIn(inputs: Inputs, docker: Docker): Promise<Clients> {
  const clients = new Map<string, RegistryClient>()
  for (const registry of registriesOf(inputs.images)) {
    const creds = credentialsFor(registry, inputs)
    if (creds === undefined) {
      core.info(`${registry}: no credentials given, pushing anonymously`)
    } else {
      await docker.login(registry, creds.username, creds.password)
      core.info(`${registry}: logged in as ${creds.username}`)
    }
    clients.set(registry, new RegistryClient(registry, creds))
  }
  return clients
}
