/**
 * A second registry implementation: go-containerregistry's (`crane registry serve`, Debian sid's
 * crane), which answers mounts, HEADs and uploads in its own way. And crane as a second client
 * that reads back what was pushed.
 */
import {ChildProcess, execFile, spawn} from 'child_process'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import {promisify} from 'util'
import {craneBinary} from './engines'
import {waitFor} from './ports'
import {stopChild} from './registry'

const run = promisify(execFile)

export interface CraneRegistry {
  readonly host: string
  stop(): Promise<void>
}

/** Serves a registry on a port the kernel picks (it logs `serving on port N`), blobs on disk. */
export async function startCraneRegistry(): Promise<CraneRegistry> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-crane-'))
  const logFile = path.join(dir, 'registry.log')
  const out = fs.openSync(logFile, 'a')
  fs.mkdirSync(path.join(dir, 'blobs'))
  const child: ChildProcess = spawn(
    craneBinary(),
    ['registry', 'serve', '--address', '127.0.0.1:0', '--disk', path.join(dir, 'blobs')],
    {stdio: ['ignore', out, out]}
  )
  fs.closeSync(out)
  let host = ''
  try {
    await waitFor('crane registry to listen', async () => {
      if (child.exitCode !== null) throw new Error(`crane registry exited: ${fs.readFileSync(logFile, 'utf8')}`)
      const m = /serving on port (\d+)/.exec(fs.readFileSync(logFile, 'utf8'))
      if (m?.[1] === undefined) return false
      const res = await fetch(`http://127.0.0.1:${m[1]}/v2/`)
      await res.arrayBuffer()
      host = `127.0.0.1:${m[1]}`
      return res.status === 200
    })
  } catch (err) {
    await stopChild(child)
    fs.rmSync(dir, {recursive: true, force: true})
    throw err
  }
  return {
    host,
    stop: async () => {
      await stopChild(child)
      fs.rmSync(dir, {recursive: true, force: true})
    }
  }
}

/** The digest crane reads for a reference (plain HTTP to loopback, anonymous). */
export async function craneDigest(ref: string): Promise<string> {
  const {stdout} = await run(craneBinary(), ['digest', '--insecure', ref])
  return stdout.trim()
}
