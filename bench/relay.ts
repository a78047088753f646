/**
 * A link like a runner's path to ECR or ACR, on loopback: a TCP relay in front of one registry
 * that shares a fixed bandwidth among all its connections (both directions) and adds a fixed
 * delay to every chunk, in order. Traffic goes to 127.0.0.1 only.
 */
import * as net from 'net'
import {performance} from 'perf_hooks'
import {listenOnLoopback} from '../__tests__/support/ports'

export interface LinkModel {
  /** bytes per second, shared by every connection to the registry */
  readonly bytesPerSecond: number
  /** added to every chunk, each way */
  readonly delayMs: number
}

export const RUNNER_LINK: LinkModel = {bytesPerSecond: 50e6, delayMs: 10}

export interface Relay {
  /** host:port to use instead of the registry's */
  readonly host: string
  /** bytes carried, each way */
  readonly carried: {up: number; down: number}
  stop(): Promise<void>
}

/** The shared bandwidth: when the last byte reserved so far leaves the link. */
class Bandwidth {
  private nextFree = 0
  constructor(private readonly bytesPerSecond: number) {}
  /** Reserves room for `bytes`; returns the time (performance.now) its last byte has left. */
  reserve(bytes: number): number {
    const start = Math.max(performance.now(), this.nextFree)
    this.nextFree = start + (bytes / this.bytesPerSecond) * 1000
    return this.nextFree
  }
}

const HIGH_WATER = 4 << 20
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms))

/** Carries src to dst through the link: each chunk leaves when the bandwidth allows and no earlier than its delay. */
function carry(src: net.Socket, dst: net.Socket, link: Bandwidth, delayMs: number, count: (n: number) => void): void {
  let chain = Promise.resolve()
  let queued = 0
  src.on('data', (chunk: Buffer) => {
    const arrived = performance.now()
    queued += chunk.length
    if (queued > HIGH_WATER) src.pause()
    chain = chain.then(async () => {
      const at = Math.max(link.reserve(chunk.length), arrived + delayMs)
      const wait = at - performance.now()
      if (wait > 0) await sleep(wait)
      if (!dst.destroyed) dst.write(chunk)
      count(chunk.length)
      queued -= chunk.length
      if (queued < HIGH_WATER / 4 && src.isPaused()) src.resume()
    })
  })
  src.on('end', () => void chain.then(() => dst.end()))
  src.on('error', () => dst.destroy())
  src.on('close', () => void chain.then(() => dst.destroy()))
}

export async function startRelay(upstream: string, model: LinkModel = RUNNER_LINK): Promise<Relay> {
  const [host, port] = upstream.split(':')
  if (host !== '127.0.0.1') throw new Error(`the relay reaches loopback only, not ${upstream}`)
  const link = new Bandwidth(model.bytesPerSecond)
  const carried = {up: 0, down: 0}
  const sockets = new Set<net.Socket>()
  const server = net.createServer(client => {
    const up = net.connect(Number(port), host)
    for (const s of [client, up]) {
      s.setNoDelay(true)
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
    }
    carry(client, up, link, model.delayMs, n => (carried.up += n))
    carry(up, client, link, model.delayMs, n => (carried.down += n))
  })
  const relayPort = await listenOnLoopback(server)
  return {
    host: `127.0.0.1:${relayPort}`,
    carried,
    stop: async () => {
      for (const s of sockets) s.destroy()
      await new Promise(r => server.close(r))
    }
  }
}
