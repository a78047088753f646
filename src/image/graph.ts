/** The manifest graph we publish: an image (manifest, config, layers), or an index and its images. */
import * as fs from 'fs'
import type {Readable} from 'stream'
import {ActionError} from '../errors'
import type {Descriptor} from './image-manifest'

export interface BlobSource extends Descriptor {
  open(start?: number, end?: number): Readable
}

/** A compressed layer a registry holds, found by its diff ID. */
export interface KnownLayer {
  readonly digest: string
  readonly size: number
}

export interface ManifestNode {
  readonly mediaType: string
  readonly body: Buffer
  readonly digest: string
  /** config and layers of an image; none for an index */
  readonly blobs: readonly BlobSource[]
  /** the images of an index */
  readonly children: readonly ManifestNode[]
}

/** Every blob of a graph, once. */
export function blobsOf(node: ManifestNode): BlobSource[] {
  const seen = new Map<string, BlobSource>()
  const walk = (n: ManifestNode): void => {
    for (const b of n.blobs) seen.set(b.digest, b)
    for (const c of n.children) walk(c)
  }
  walk(node)
  return [...seen.values()]
}

/** A blob every registry holds: it is referenced, never read. */
export function heldBlob(d: Descriptor): BlobSource {
  return {
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    open: () => {
      throw new ActionError(
        `blob ${d.digest} was not kept: every registry held it when the step began, and one no longer does`
      )
    }
  }
}

/** A blob read from its file, in 1 MiB chunks; `start`/`end` (inclusive) for a range. */
export function fileBlob(d: Descriptor, file: string): BlobSource {
  return {
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    open: (start?: number, end?: number) =>
      fs.createReadStream(file, {highWaterMark: 1 << 20, start: start ?? 0, ...(end === undefined ? {} : {end})})
  }
}
