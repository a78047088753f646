/** Blobs of the manifest graph (oci/oci.ts) that are read from a file, or held by every registry. */
import * as fs from 'fs'
import {ActionError} from '../errors'
import type {BlobSource, Descriptor} from '../oci/oci'

/** A compressed layer a registry holds, found by its diff ID. */
export interface KnownLayer {
  readonly digest: string
  readonly size: number
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
