/**
 * Writes a small multi-platform image as an OCI layout on disk (FROM
 * scratch style: one file per platform, no emulation needed), for skopeo to
 * copy into a registry as an index.
 */
import {createHash} from 'crypto'
import * as fs from 'fs'
import * as path from 'path'
import * as tar from 'tar-stream'
import {gzipSync} from 'zlib'

function digestOf(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`
}

async function tarOf(name: string, content: string): Promise<Buffer> {
  const pack = tar.pack()
  pack.entry({name, mtime: new Date(0), mode: 0o644}, content)
  pack.finalize()
  const chunks: Buffer[] = []
  for await (const c of pack) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}

export async function writeMultiPlatformLayout(
  dir: string,
  tag: string,
  platforms: ReadonlyArray<{os: string; architecture: string}>,
  salt: string
): Promise<void> {
  const blobs = path.join(dir, 'blobs', 'sha256')
  fs.mkdirSync(blobs, {recursive: true})
  const put = (data: Buffer): {digest: string; size: number} => {
    const digest = digestOf(data)
    fs.writeFileSync(path.join(blobs, digest.slice(7)), data)
    return {digest, size: data.length}
  }
  const manifests = []
  for (const p of platforms) {
    const layerTar = await tarOf('platform.txt', `${p.os}/${p.architecture} ${salt}\n`)
    const layer = put(gzipSync(layerTar))
    const config = put(
      Buffer.from(
        JSON.stringify({
          architecture: p.architecture,
          os: p.os,
          config: {Cmd: ['/platform.txt']},
          rootfs: {type: 'layers', diff_ids: [digestOf(layerTar)]}
        })
      )
    )
    const manifest = put(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: {mediaType: 'application/vnd.oci.image.config.v1+json', ...config},
          layers: [{mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer}]
        })
      )
    )
    manifests.push({mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, platform: p})
  }
  const index = put(
    Buffer.from(JSON.stringify({schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests}))
  )
  fs.writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({imageLayoutVersion: '1.0.0'}))
  fs.writeFileSync(
    path.join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.index.v1+json',
          ...index,
          annotations: {'org.opencontainers.image.ref.name': tag}
        }
      ]
    })
  )
}
