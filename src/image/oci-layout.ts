/** An OCI image layout on disk (what BuildKit's `type=oci,tar=false` output writes) as a manifest graph, each blob read from its file. */
import {createHash} from 'crypto'
import * as fs from 'fs'
import * as path from 'path'
import {ActionError} from '../errors'
import {BlobSource, Descriptor, GraphReader, ManifestNode, manifestGraph} from '../oci/oci'
import {fileBlob} from './graph'

function blobPath(dir: string, digest: string): string {
  const [algorithm, hex] = digest.split(':')
  if (algorithm !== 'sha256' || hex === undefined || !/^[a-f0-9]{64}$/.test(hex)) {
    throw new ActionError(`The OCI layout in ${dir} names a blob '${digest}' that is not a sha256 digest`)
  }
  return path.join(dir, 'blobs', algorithm, hex)
}

/** A manifest or index, checked against its digest: what we publish is exactly what BuildKit wrote. */
function readManifest(dir: string, d: Descriptor): Buffer {
  const body = fs.readFileSync(blobPath(dir, d.digest))
  const actual = `sha256:${createHash('sha256').update(body).digest('hex')}`
  if (actual !== d.digest || body.length !== d.size) {
    throw new ActionError(`The OCI layout in ${dir} is damaged: ${d.digest} holds ${actual} (${body.length} bytes)`)
  }
  return body
}

function blobSource(dir: string, d: Descriptor): BlobSource {
  const file = blobPath(dir, d.digest)
  const size = fs.statSync(file).size
  if (size !== d.size)
    throw new ActionError(`The OCI layout in ${dir} is damaged: ${d.digest} has ${size} bytes, not ${d.size}`)
  return fileBlob(d, file)
}

/** How the layout gives a graph's manifests (checked against their digests) and blobs (read from their files). */
function layoutReader(dir: string): GraphReader {
  return {
    where: `the OCI layout in ${dir}`,
    child: d => Promise.resolve({mediaType: d.mediaType, digest: d.digest, body: readManifest(dir, d)}),
    blob: d => blobSource(dir, d)
  }
}

/** The one image (or index) of the layout that `index.json` names. */
export async function readOciLayout(dir: string): Promise<ManifestNode> {
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as {manifests?: Descriptor[]}
  // BuildKit lists the image once per tag (a name annotation each), all at one digest
  const distinct = [...new Map((index.manifests ?? []).map(m => [m.digest, m])).values()]
  const [root, ...more] = distinct
  if (root === undefined || more.length > 0) {
    throw new ActionError(
      `The OCI layout in ${dir} names ${distinct.length} different images in index.json; one was expected`
    )
  }
  return manifestGraph(
    {mediaType: root.mediaType, digest: root.digest, body: readManifest(dir, root)},
    layoutReader(dir)
  )
}
