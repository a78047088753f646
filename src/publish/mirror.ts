/**
 * Mirror mode: the graph of an existing image read from its registry. Blobs
 * are not fetched here; each one is read from the source when the first
 * destination needs it and, with a spool folder, shared by every destination
 * (shared-blob.ts): the source is read once.
 */
import * as path from 'path'
import {ActionError} from '../errors'
import type {ImageReference} from '../registry/reference'
import type {RegistryClient} from '../registry/client'
import {GraphReader, ManifestNode, configDigest, manifestGraph} from '../oci/oci'
import {SharedBlob, sharedBlob} from './shared-blob'

/** Where shared source blobs are spooled, one reader per digest. */
export interface Spool {
  readonly dir: string
  readonly blobs: Map<string, SharedBlob>
}

/** Ends every download of the spool (before its folder is removed). */
export async function cancelSpool(spool: Spool): Promise<void> {
  await Promise.all([...spool.blobs.values()].map(b => b.cancel()))
}

/**
 * How a registry gives a graph: child manifests by digest (the client checks each against its
 * digest), blobs read when a destination first needs them, through the spool where there is one.
 */
export function registryReader(client: RegistryClient, repoPath: string, spool?: Spool): GraphReader {
  return {
    where: `${client.registry}/${repoPath}`,
    child: d => client.getManifest(repoPath, d.digest),
    blob: d => ({
      ...d,
      open:
        spool === undefined
          ? () => client.readBlob(repoPath, d.digest, d.size)
          : shared(spool, d.digest, () =>
              sharedBlob(
                () => client.readBlob(repoPath, d.digest, d.size),
                path.join(spool.dir, d.digest.replace(/[^a-z0-9]/gi, '_')),
                d.size
              )
            )
    })
  }
}

function shared(spool: Spool, digest: string, make: () => SharedBlob): SharedBlob {
  let open = spool.blobs.get(digest)
  if (open === undefined) {
    open = make()
    spool.blobs.set(digest, open)
  }
  return open
}

export async function loadSourceGraph(
  client: RegistryClient,
  source: ImageReference,
  spool?: Spool
): Promise<ManifestNode> {
  const reference = source.digest ?? source.tag ?? 'latest'
  const root = await client.findManifest(source.repository.path, reference)
  if (root === undefined) throw new ActionError(`source ${source.repository.name}:${reference} does not exist`)
  if (source.digest !== undefined && root.digest !== source.digest) {
    throw new ActionError(`source ${source.repository.name}@${source.digest} was served with digest ${root.digest}`)
  }
  return manifestGraph(root, registryReader(client, source.repository.path, spool))
}

/** The image ID of a single image (its config digest); empty for an index. */
export function imageIdOf(root: ManifestNode): string {
  if (root.children.length > 0) return ''
  return configDigest(root) ?? ''
}
