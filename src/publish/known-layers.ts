/**
 * Layers every target repository already holds, by diff ID: read from the previous release's
 * manifest and config in the first repository, then confirmed with a HEAD in every repository.
 * Such a layer is neither compressed nor uploaded again.
 */
import * as core from '@actions/core'
import * as semver from 'semver'
import {errorMessage} from '../errors'
import type {Repository} from '../registry/reference'
import type {KnownLayer} from '../image/graph'
import {MAX_CONFIG_BYTES} from '../registry/client'
import {Compression, MEDIA_TYPES, parseManifest} from '../oci/oci'
import {cleanVersion, isStableRelease} from '../plan/version'
import type {RegistryClient} from '../registry/client'

interface ImageManifestJson {
  readonly config?: {readonly digest?: string} | undefined
  readonly layers?: ReadonlyArray<{readonly mediaType?: string; readonly digest?: string; readonly size?: number}>
}

/** Layers of each compression: only a layer of the compression asked for is reused. */
const LAYER_TYPES: Readonly<Record<Compression, ReadonlySet<string>>> = {
  gzip: new Set([MEDIA_TYPES.dockerLayerGzip, MEDIA_TYPES.ociLayerGzip]),
  zstd: new Set([MEDIA_TYPES.ociLayerZstd])
}

/** The tag of the release before this one: the highest release other than `version`, else `latest`. */
export function previousReleaseTag(tags: readonly string[], version: string | undefined): string | undefined {
  const releases = tags
    .map(t => ({t, v: cleanVersion(t)}))
    .filter(x => isStableRelease(x.v) && x.v !== version)
    .sort((a, b) => semver.rcompare(a.v, b.v))
  return releases[0]?.t ?? (tags.includes('latest') ? 'latest' : undefined)
}

/** Pairs each diff ID of a config with its layer in the manifest (layers of `compression` only). */
export function layersByDiffId(
  manifest: ImageManifestJson,
  diffIds: readonly string[],
  compression: Compression = 'gzip'
): Map<string, KnownLayer> {
  const known = new Map<string, KnownLayer>()
  const layers = manifest.layers ?? []
  if (layers.length !== diffIds.length) return known
  layers.forEach((l, i) => {
    const diffId = diffIds[i]
    if (
      diffId !== undefined &&
      l.digest !== undefined &&
      l.size !== undefined &&
      LAYER_TYPES[compression].has(l.mediaType ?? '')
    )
      known.set(diffId, {digest: l.digest, size: l.size})
  })
  return known
}

/**
 * Known layers for publishing to `images`; empty when there is no previous release or anything
 * fails. `listed`: the first repository's tags where settling the tags listed them already.
 */
export async function knownLayers(
  images: readonly Repository[],
  clients: ReadonlyMap<string, RegistryClient>,
  version: string | undefined,
  listed?: readonly string[],
  compression: Compression = 'gzip'
): Promise<Map<string, KnownLayer>> {
  const first = images[0]
  const client = first === undefined ? undefined : clients.get(first.registry)
  if (first === undefined || client === undefined) return new Map()
  try {
    const tag = previousReleaseTag(listed ?? (await client.listTags(first.path)), version)
    if (tag === undefined) return new Map()
    const manifest = await client.findManifest(first.path, tag)
    if (manifest === undefined) return new Map()
    const json = parseManifest(manifest.body, `${first.name}:${tag}`)
    const configDigest = json.config?.digest
    if (configDigest === undefined) return new Map()
    const config = JSON.parse(
      (await client.readBlobBytes(first.path, configDigest, MAX_CONFIG_BYTES)).toString('utf8')
    ) as {rootfs?: {diff_ids?: string[]}}
    const candidates = layersByDiffId(json, config.rootfs?.diff_ids ?? [], compression)
    // a layer counts only where every repository has it
    const checks = [...candidates].map(async ([diffId, layer]) => {
      const everywhere = await Promise.all(
        images.map(repo => clients.get(repo.registry)?.blobExists(repo.path, layer.digest) ?? Promise.resolve(false))
      )
      return everywhere.every(Boolean) ? ([diffId, layer] as const) : undefined
    })
    return new Map((await Promise.all(checks)).filter(c => c !== undefined))
  } catch (e) {
    // an optimisation only: without it every layer is compressed and offered as before
    core.debug(`the previous release's layers were not read: ${errorMessage(e)}`)
    return new Map()
  }
}
