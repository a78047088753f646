/** An OCI image layout on disk (what BuildKit's `type=oci,tar=false` output writes) as a manifest graph, each blob read from its file. */
import {createHash} from 'crypto'
import * as fs from 'fs'
import * as path from 'path'
import {ActionError} from '../errors'
import {isIndexMediaType} from '../registry/client'
import {BlobSource, ManifestNode, fileBlob} from './graph'

interface Descriptor {
  readonly mediaType: string
  readonly digest: string
  readonly size: number
}

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

function node(dir: string, d: Descriptor): ManifestNode {
  const body = readManifest(dir, d)
  const json = JSON.parse(body.toString('utf8')) as {
    manifests?: Descriptor[]
    config?: Descriptor
    layers?: Descriptor[]
  }
  if (isIndexMediaType(d.mediaType)) {
    return {
      mediaType: d.mediaType,
      body,
      digest: d.digest,
      blobs: [],
      children: (json.manifests ?? []).map(m => node(dir, m))
    }
  }
  if (json.config === undefined)
    throw new ActionError(`The OCI layout in ${dir}: ${d.digest} is neither an index nor an image manifest`)
  const blobs = [json.config, ...(json.layers ?? [])].map(b => blobSource(dir, b))
  return {mediaType: d.mediaType, body, digest: d.digest, blobs, children: []}
}

/** The one image (or index) of the layout that `index.json` names. */
export function readOciLayout(dir: string): ManifestNode {
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as {manifests?: Descriptor[]}
  // BuildKit lists the image once per tag (a name annotation each), all at one digest
  const distinct = [...new Map((index.manifests ?? []).map(m => [m.digest, m])).values()]
  const [root, ...more] = distinct
  if (root === undefined || more.length > 0) {
    throw new ActionError(
      `The OCI layout in ${dir} names ${distinct.length} different images in index.json; one was expected`
    )
  }
  return node(dir, root)
}
