/** Pushes every tag, then reads each one back from its registry to prove what landed. */
import * as core from '@actions/core'
import type {Clients} from './auth'
import type {Docker} from './docker'
import {ActionError} from './errors'
import {Repository, refWithTag} from './reference'
import {compressedSize} from './registry/client'

export interface Published {
  readonly repository: Repository
  readonly tags: readonly string[]
  readonly digest: string
  /** config + layers as stored, in bytes */
  readonly compressedSize: number | undefined
}

export async function pushAll(docker: Docker, images: readonly Repository[], tags: readonly string[]): Promise<Map<string, string>> {
  const digests = new Map<string, string>()
  for (const repo of images) {
    for (const tag of tags) {
      const digest = await docker.push(refWithTag(repo, tag))
      const earlier = digests.get(repo.name)
      if (earlier !== undefined && earlier !== digest) {
        throw new ActionError(`${repo.name}: tag ${tag} was pushed as ${digest} but earlier tags as ${earlier}`)
      }
      digests.set(repo.name, digest)
    }
  }
  return digests
}

/** Every pushed tag must resolve to the pushed digest in its registry (manifest HEAD). */
export async function verifyAll(
  clients: Clients,
  images: readonly Repository[],
  tags: readonly string[],
  pushed: ReadonlyMap<string, string>
): Promise<Published[]> {
  const published: Published[] = []
  for (const repo of images) {
    const client = clients.get(repo.registry)
    const digest = pushed.get(repo.name)
    if (client === undefined || digest === undefined) throw new ActionError(`${repo.name} was not pushed`)
    for (const tag of tags) {
      const found = await client.manifestDigest(repo.path, tag)
      if (found !== digest) {
        throw new ActionError(
          `${refWithTag(repo, tag)} resolves to ${found ?? 'nothing'} in the registry, but ${digest} was pushed`
        )
      }
    }
    const size = compressedSize(await client.getManifest(repo.path, digest))
    core.info(`${repo.name}: ${tags.length} tag(s) verified at ${digest}`)
    published.push({repository: repo, tags, digest, compressedSize: size})
  }
  const distinct = new Set(published.map(p => p.digest))
  if (distinct.size > 1) {
    core.warning(`The registries hold different digests for the same image: ${published.map(p => `${p.repository.name}@${p.digest}`).join(', ')}`)
  }
  return published
}
