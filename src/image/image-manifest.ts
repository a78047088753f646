/** The image manifest we publish: Docker v2 schema 2, as docker push writes it. Pure. */
import {MEDIA_TYPES, sha256} from '../registry/client'

export interface Descriptor {
  readonly mediaType: string
  readonly digest: string
  readonly size: number
}

export function imageManifest(
  config: Descriptor,
  layers: readonly Descriptor[]
): {mediaType: string; body: Buffer; digest: string} {
  const body = Buffer.from(
    JSON.stringify(
      {
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.dockerManifest,
        config: {mediaType: config.mediaType, size: config.size, digest: config.digest},
        layers: layers.map(l => ({mediaType: l.mediaType, size: l.size, digest: l.digest}))
      },
      null,
      3
    )
  )
  return {mediaType: MEDIA_TYPES.dockerManifest, body, digest: sha256(body)}
}
