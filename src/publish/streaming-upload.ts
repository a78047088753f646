/**
 * Uploads that run while a blob is being produced (a layer compressed, or pushed to us by the
 * builder): each chunk goes on to one repository per registry as soon as it exists (POST, one
 * streamed PATCH), and the upload is closed with the digest once the blob is done. A registry that refuses or fails is simply left to the
 * ordinary upload from the layer's file afterwards; nothing here fails the step.
 */
import {once} from 'events'
import {PassThrough} from 'stream'
import * as core from '@actions/core'
import {errorMessage} from '../errors'
import type {LayerSink} from '../image/layer-compression'
import {RegistryClient, webStream} from '../registry/client'

/** What reached each registry this way: its repository, and the blobs it holds (digest → size). */
export type StreamedBlobs = ReadonlyMap<
  string,
  {readonly repoPath: string; readonly digests: ReadonlyMap<string, number>}
>

/** Bytes waiting for one registry before compression waits for it. */
const QUEUE_LIMIT = 8 << 20

/** One layer to one repository: the request body is a stream that write() feeds. */
class Lane {
  // chunks are read one by one as they were written (object mode): reading a byte stream would
  // concatenate whatever is queued into one new buffer first
  private readonly body = new PassThrough({
    writableHighWaterMark: QUEUE_LIMIT,
    readableObjectMode: true,
    readableHighWaterMark: 2
  })
  private failed = false
  private readonly stopped: Promise<void>
  private stop: () => void = () => undefined
  private readonly location: Promise<string | undefined>

  constructor(
    private readonly client: RegistryClient,
    private readonly repoPath: string
  ) {
    this.stopped = new Promise(resolve => (this.stop = resolve))
    // a failed request cancels its body (destroying this stream); the failure is reported through `location`
    this.body.on('error', () => undefined)
    this.location = client.streamUpload(repoPath, webStream(this.body)).catch((e: unknown) => this.fail(e))
  }

  private fail(e: unknown): undefined {
    if (!this.failed)
      core.info(
        `${this.client.registry}: streaming stopped (${errorMessage(e)}); the blob goes up afterwards from its file`
      )
    this.failed = true
    this.body.destroy()
    this.stop()
    return undefined
  }

  async write(data: Buffer): Promise<void> {
    if (this.failed || this.body.destroyed || this.body.write(data)) return
    await Promise.race([once(this.body, 'drain'), this.stopped])
  }

  /** True when the registry holds the blob. */
  async finish(digest: string): Promise<boolean> {
    if (!this.failed && !this.body.destroyed) this.body.end()
    const location = await this.location
    if (location === undefined || this.failed) return false
    try {
      await this.client.finishUpload(this.repoPath, location, digest)
      return true
    } catch (e) {
      this.fail(e)
      return false
    }
  }
}

/** The first of `items` for each registry, in order: where streamed blobs go (later repositories mount them). */
export function firstOfEachRegistry<T>(items: readonly T[], registryOf: (item: T) => string): Map<string, T> {
  const first = new Map<string, T>()
  for (const item of items) if (!first.has(registryOf(item))) first.set(registryOf(item), item)
  return first
}

export class StreamingUploads {
  private readonly done = new Map<string, {repoPath: string; digests: Map<string, number>}>()

  /** `targets`: the first repository of each registry, with its client. */
  constructor(private readonly targets: ReadonlyArray<{readonly client: RegistryClient; readonly repoPath: string}>) {}

  /** One blob to every target, or to those of `registries` (the ones that lack it). */
  layer(registries?: ReadonlySet<string>): LayerSink {
    const lanes = this.targets
      .filter(t => registries === undefined || registries.has(t.client.registry))
      .map(t => ({target: t, lane: new Lane(t.client, t.repoPath)}))
    return {
      write: async data => {
        await Promise.all(lanes.map(l => l.lane.write(data)))
      },
      finish: async (digest, size) => {
        await Promise.all(
          lanes.map(async ({target, lane}) => {
            if (!(await lane.finish(digest))) return
            const key = target.client.registry
            const entry = this.done.get(key) ?? {repoPath: target.repoPath, digests: new Map<string, number>()}
            entry.digests.set(digest, size)
            this.done.set(key, entry)
          })
        )
      }
    }
  }

  streamed(): StreamedBlobs {
    return this.done
  }
}
