/**
 * The image manifest we publish: Docker v2 schema 2, as docker push writes it; an OCI image
 * manifest where a layer is zstd, which Docker's media types cannot name. Pure.
 */
import {Descriptor, MEDIA_TYPES, sha256} from '../oci/oci'

export type ManifestFormat = 'docker' | 'oci'

/** The media types of a config and of a gzip or zstd layer, per manifest format (zstd: OCI only). */
export function mediaTypesOf(format: ManifestFormat): {config: string; gzip: string; zstd: string} {
  return format === 'docker'
    ? {config: MEDIA_TYPES.dockerConfig, gzip: MEDIA_TYPES.dockerLayerGzip, zstd: MEDIA_TYPES.ociLayerZstd}
    : {config: MEDIA_TYPES.ociConfig, gzip: MEDIA_TYPES.ociLayerGzip, zstd: MEDIA_TYPES.ociLayerZstd}
}

export function imageManifest(
  config: Descriptor,
  layers: readonly Descriptor[],
  format: ManifestFormat = 'docker'
): {mediaType: string; body: Buffer; digest: string} {
  const mediaType = format === 'docker' ? MEDIA_TYPES.dockerManifest : MEDIA_TYPES.ociManifest
  const body = Buffer.from(
    JSON.stringify(
      {
        schemaVersion: 2,
        mediaType,
        config: {mediaType: config.mediaType, size: config.size, digest: config.digest},
        layers: layers.map(l => ({mediaType: l.mediaType, size: l.size, digest: l.digest}))
      },
      null,
      3
    )
  )
  return {mediaType, body, digest: sha256(body)}
}
