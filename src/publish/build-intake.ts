/**
 * A registry of our own on 127.0.0.1 that the builder pushes the built image to, instead of
 * writing an OCI layout: each blob it sends is kept in a file and, as it arrives, streamed on to
 * every registry that lacks it; a blob every target repository holds already is answered as
 * present, so the builder neither reads nor sends it. Its manifests, as the builder wrote them,
 * become the graph we publish. The blobs' digests are not computed here: every registry computes
 * the digest of what it receives and refuses a blob that does not match (streamed, or sent from
 * its file afterwards), and the manifests are checked here.
 */
import {randomBytes, randomUUID} from 'crypto'
import * as fs from 'fs'
import * as http from 'http'
import type {AddressInfo} from 'net'
import * as path from 'path'
import * as core from '@actions/core'
import {ActionError, errorMessage} from '../errors'
import {fileBlob, heldBlob} from '../image/graph'
import {BlobSource, Descriptor, GraphReader, Manifest, ManifestNode, manifestGraph, sha256} from '../oci/oci'
import type {RegistryClient} from '../registry/client'
import {IntakeRoute, isDigest, routeIntakeRequest} from '../registry/intake-routes'
import {inPieces} from '../registry/pieces'
import type {LayerSink} from '../image/layer-compression'
import {StreamedBlobs, StreamingUploads, firstOfEachRegistry} from './streaming-upload'

/** Where the pushed image goes on: every target repository, each with its registry's client. */
export interface IntakeTarget {
  readonly client: RegistryClient
  readonly repoPath: string
}

interface Upload {
  readonly file: string
  size: number
}

interface StoredManifest {
  readonly mediaType: string
  readonly body: Buffer
}

const MANIFEST_LIMIT = 4 << 20
const PIECE = 1 << 20

export class BuildIntake {
  /** digest → the file it was kept in */
  private readonly blobs = new Map<string, {file: string; size: number}>()
  private readonly uploads = new Map<string, Upload>()
  private readonly manifests = new Map<string, StoredManifest>()
  private readonly tags = new Map<string, string>()
  private readonly presence = new Map<string, Promise<{all: boolean; lacking: Set<string>}>>()
  private readonly streaming: StreamingUploads
  /** each registry's first target repository: where blobs stream */
  private readonly first: ReadonlyMap<string, IntakeTarget>
  /** blobs answered as present: every target repository holds them */
  private readonly held = new Set<string>()
  private readonly finishing: Array<Promise<void>> = []
  /** requests being handled */
  private readonly active = new Set<Promise<void>>()
  private readonly repository = `stevedore/build-${randomBytes(8).toString('hex')}`

  private constructor(
    private readonly server: http.Server,
    private readonly dir: string,
    private readonly targets: readonly IntakeTarget[]
  ) {
    this.first = firstOfEachRegistry(targets, t => t.client.registry)
    this.streaming = new StreamingUploads([...this.first.values()])
  }

  /** Listens on 127.0.0.1 (an ephemeral port); blobs are kept under `dir`. */
  static async start(dir: string, targets: readonly IntakeTarget[]): Promise<BuildIntake> {
    fs.mkdirSync(dir, {recursive: true})
    const server = http.createServer()
    const intake = new BuildIntake(server, dir, targets)
    server.on('request', (req, res) => {
      const handled = intake.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) sendError(res, 500, 'UNKNOWN', e instanceof Error ? e.message : String(e))
        else res.destroy()
      })
      intake.active.add(handled)
      void handled.finally(() => intake.active.delete(handled))
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    return intake
  }

  /** The reference the builder pushes to. */
  ref(tag: string): string {
    const {port} = this.server.address() as AddressInfo
    return `127.0.0.1:${port}/${this.repository}:${tag}`
  }

  /** What reached each registry while the builder pushed (counted as uploaded, not sent again). */
  streamed(): StreamedBlobs {
    return this.streaming.streamed()
  }

  /** Blobs the builder sent, and blobs answered as present (every target repository holds them). */
  counts(): {received: number; held: number} {
    return {received: this.blobs.size, held: this.held.size}
  }

  /** Stops listening, cuts what is still connected, and waits for the handlers and the streams they close. */
  async close(): Promise<void> {
    const closed = new Promise<void>(resolve => this.server.close(() => resolve()))
    this.server.closeAllConnections()
    await Promise.allSettled([...this.active])
    await Promise.allSettled(this.finishing)
    await closed
  }

  /** The image (or index) pushed under `tag`, each blob read from its file or known to every registry. */
  async graph(tag: string): Promise<ManifestNode> {
    await Promise.allSettled(this.finishing)
    const digest = this.tags.get(tag)
    if (digest === undefined) throw new ActionError(`The builder pushed no image under '${tag}' to stevedore's intake`)
    return manifestGraph(this.stored(digest, ''), this.reader())
  }

  /** A manifest the builder pushed (the intake checked each against its digest as it arrived). */
  private stored(digest: string, mediaType: string): Manifest {
    const stored = this.manifests.get(digest)
    if (stored === undefined) throw new ActionError(`The builder did not push manifest ${digest}`)
    return {digest, mediaType: stored.mediaType || mediaType, body: stored.body}
  }

  /** How the intake gives the pushed graph: manifests as pushed, blobs from their files or held everywhere. */
  private reader(): GraphReader {
    return {
      where: "stevedore's intake",
      child: d => Promise.resolve(this.stored(d.digest, d.mediaType)),
      blob: d => this.blobSource(d)
    }
  }

  private blobSource(d: Descriptor): BlobSource {
    const kept = this.blobs.get(d.digest)
    if (kept !== undefined) {
      if (kept.size !== d.size)
        throw new ActionError(`blob ${d.digest} has ${kept.size} bytes, the manifest says ${d.size}`)
      return fileBlob(d, kept.file)
    }
    if (this.held.has(d.digest)) return heldBlob(d)
    throw new ActionError(`The builder pushed no blob ${d.digest}, and not every registry holds it`)
  }

  /**
   * Whether every target repository holds a blob, and the registries whose first repository lacks
   * it (where it streams; later repositories mount it from there). Asked once per digest.
   */
  private presenceOf(digest: string): Promise<{all: boolean; lacking: Set<string>}> {
    let found = this.presence.get(digest)
    if (found === undefined) {
      found = Promise.all(
        this.targets.map(async t => ({
          t,
          has: await t.client.blobExists(t.repoPath, digest).catch((e: unknown) => {
            core.debug(`${t.client.registry}/${t.repoPath}: ${digest} taken as missing (${errorMessage(e)})`)
            return false
          })
        }))
      ).then(answers => {
        const lacking = new Set(
          answers.filter(a => !a.has && this.first.get(a.t.client.registry) === a.t).map(a => a.t.client.registry)
        )
        return {all: answers.length > 0 && answers.every(a => a.has), lacking}
      })
      this.presence.set(digest, found)
    }
    return found
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const route: IntakeRoute = routeIntakeRequest(req.method ?? '', req.url ?? '/', this.repository)
    const base = `/v2/${this.repository}`
    switch (route.kind) {
      case 'base':
        res.writeHead(200, {'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0'})
        res.end('{}')
        return
      case 'blob': {
        const kept = this.blobs.get(route.digest)
        if (kept === undefined && !(await this.isHeld(route.digest)))
          return sendError(res, 404, 'BLOB_UNKNOWN', route.digest)
        res.writeHead(200, {
          'docker-content-digest': route.digest,
          ...(kept === undefined ? {} : {'content-length': String(kept.size)})
        })
        if (req.method === 'GET' && kept !== undefined) fs.createReadStream(kept.file).pipe(res)
        else res.end()
        return
      }
      case 'start-upload': {
        req.resume()
        if (route.mount !== undefined && (this.blobs.has(route.mount) || (await this.isHeld(route.mount)))) {
          res.writeHead(201, {location: `${base}/blobs/${route.mount}`, 'docker-content-digest': route.mount})
          res.end()
          return
        }
        const id = randomUUID()
        this.uploads.set(id, {file: path.join(this.dir, `upload-${id}`), size: 0})
        res.writeHead(202, {
          location: `${base}/blobs/uploads/${id}`,
          'docker-upload-uuid': id,
          range: '0-0',
          'content-length': '0'
        })
        res.end()
        return
      }
      case 'upload':
        return this.receive(req, res, route.id, route.digest)
      case 'manifest':
        return this.manifest(req, res, route.reference)
      case 'unknown':
        req.resume()
        return sendError(res, route.status, route.code, `${req.method ?? ''} ${req.url ?? ''}`)
    }
  }

  private async isHeld(digest: string): Promise<boolean> {
    if (this.held.has(digest)) return true
    if (!(await this.presenceOf(digest)).all) return false
    this.held.add(digest)
    return true
  }

  /** PATCH appends; PUT appends and closes. A body that starts the blob streams on to the registries lacking it. */
  private async receive(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    id: string,
    digest: string | undefined
  ): Promise<void> {
    const upload = this.uploads.get(id)
    if (upload === undefined) {
      req.resume()
      return sendError(res, 404, 'BLOB_UPLOAD_UNKNOWN', id)
    }
    // the digest is known before the first byte (a monolithic PUT): the blob goes on as it comes in
    const sink: LayerSink | undefined =
      digest !== undefined && upload.size === 0
        ? this.streaming.layer((await this.presenceOf(digest)).lacking)
        : undefined
    const out = fs.createWriteStream(upload.file, {flags: 'a'})
    try {
      // the socket's small reads go on in 1 MiB pieces: each piece costs the same in every stream
      for await (const data of inPieces(req, PIECE)) {
        upload.size += data.length
        const written = out.write(data) ? undefined : new Promise<void>(resolve => out.once('drain', () => resolve()))
        await Promise.all([written, sink?.write(data)])
      }
    } catch (e) {
      // the builder went away mid-blob (it pushes again): the streams end, and their registries refuse
      // the short blob for its digest, rather than waiting on a body that never ends
      if (sink !== undefined && digest !== undefined) this.finishing.push(sink.finish(digest, upload.size))
      throw e
    } finally {
      await new Promise<void>(resolve => out.end(() => resolve()))
    }
    if (digest === undefined) {
      res.writeHead(202, {
        location: `/v2/${this.repository}/blobs/uploads/${id}`,
        'docker-upload-uuid': id,
        range: `0-${Math.max(upload.size - 1, 0)}`,
        'content-length': '0'
      })
      res.end()
      return
    }
    this.uploads.delete(id)
    const file = path.join(this.dir, digest.replace(':', '-'))
    fs.renameSync(upload.file, file)
    this.blobs.set(digest, {file, size: upload.size})
    if (sink !== undefined) this.finishing.push(sink.finish(digest, upload.size))
    res.writeHead(201, {location: `/v2/${this.repository}/blobs/${digest}`, 'docker-content-digest': digest})
    res.end()
  }

  private async manifest(req: http.IncomingMessage, res: http.ServerResponse, reference: string): Promise<void> {
    if (req.method !== 'PUT') {
      req.resume()
      const digest = isDigest(reference) ? reference : this.tags.get(reference)
      const stored = digest === undefined ? undefined : this.manifests.get(digest)
      if (digest === undefined || stored === undefined) return sendError(res, 404, 'MANIFEST_UNKNOWN', reference)
      res.writeHead(200, {
        'content-type': stored.mediaType,
        'content-length': String(stored.body.length),
        'docker-content-digest': digest
      })
      res.end(req.method === 'GET' ? stored.body : undefined)
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      if (size > MANIFEST_LIMIT) return sendError(res, 400, 'MANIFEST_INVALID', 'larger than 4 MiB')
      chunks.push(chunk as Buffer)
    }
    const body = Buffer.concat(chunks)
    const digest = sha256(body)
    if (isDigest(reference) && reference !== digest)
      return sendError(res, 400, 'DIGEST_INVALID', `${reference} was given, the manifest is ${digest}`)
    this.manifests.set(digest, {mediaType: req.headers['content-type'] ?? '', body})
    if (!isDigest(reference)) this.tags.set(reference, digest)
    res.writeHead(201, {location: `/v2/${this.repository}/manifests/${digest}`, 'docker-content-digest': digest})
    res.end()
  }
}

function sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify({errors: [{code, message}]})
  res.writeHead(status, {'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body))})
  res.end(body)
}
