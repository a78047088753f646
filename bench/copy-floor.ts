/**
 * The floor of a copy in Node: one 150 MB blob from one loopback docker-registry to another, each
 * way in its own node process under /usr/bin/time, against `skopeo copy` of an image holding that
 * blob. `fetch`: the GET's body given to a PUT with undici's fetch; `httpFetch`: the same with
 * stevedore's fetch on node:http (src/registry/http-fetch.ts); `http`: node:http's GET piped into
 * its PUT. `bare`: node loading nothing. Prints a table.
 * Run by `bash bench/run.sh` with BENCH_GOALS=floor.
 */
import {execFile} from 'child_process'
import * as crypto from 'crypto'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import {promisify} from 'util'
import * as zlib from 'zlib'
import {startRegistries} from '../__tests__/support/registry'
import {actionNode} from '../scripts/local-runner'
import {Cost, measured, median} from './measure'

const exec = promisify(execFile)
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const SIZE = 150e6
/** the transport's fetch, as bench/run.sh compiled it beside this file */
const OURS = path.join(__dirname, '..', 'src', 'registry', 'http-fetch.js')

/** One copy of `digest` from src to dst, as a node program (CommonJS, no packages). */
const PROGRAM = `
const http = require('node:http')
const [how, src, dst, digest, repo, ours] = process.argv.slice(2)
// httpFetch: stevedore's own fetch (src/registry/http-fetch.ts, compiled by bench/run.sh)
const fetch = how === 'httpFetch' ? require(ours).httpFetch : globalThis.fetch
async function session() {
  const r = await fetch('http://' + dst + '/v2/' + repo + '/blobs/uploads/', {method: 'POST'})
  await r.arrayBuffer()
  const loc = new URL(r.headers.get('location'), 'http://' + dst).toString()
  return loc + (loc.includes('?') ? '&' : '?') + 'digest=' + encodeURIComponent(digest)
}
async function main() {
  if (how === 'bare') return
  const put = await session()
  const get = 'http://' + src + '/v2/src/blobs/' + digest
  let status
  if (how === 'fetch' || how === 'httpFetch') {
    const g = await fetch(get)
    const r = await fetch(put, {method: 'PUT', body: g.body, duplex: 'half', headers: {'content-length': g.headers.get('content-length')}})
    await r.arrayBuffer()
    status = r.status
  } else {
    status = await new Promise((resolve, reject) => {
      http.get(get, g => {
        const req = http.request(put, {method: 'PUT', headers: {'content-length': g.headers['content-length']}}, res => {
          res.resume()
          res.on('end', () => resolve(res.statusCode))
        })
        req.on('error', reject)
        g.pipe(req)
      }).on('error', reject)
    })
  }
  if (status !== 201) throw new Error(how + ': PUT answered ' + status)
}
main().catch(e => { console.error(e); process.exit(1) })
`

async function main(): Promise<void> {
  const [src] = await startRegistries([{}])
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-floor-'))
  try {
    // the blob, as a layer of an image in the source registry (skopeo copies images)
    // gzip of random bytes: a layer skopeo sends on as it is (it compresses an uncompressed one)
    const data = zlib.gzipSync(crypto.randomBytes(SIZE), {level: 1})
    const digest = `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`
    const config = Buffer.from(
      JSON.stringify({architecture: 'amd64', os: 'linux', rootfs: {type: 'layers', diff_ids: []}})
    )
    const configDigest = `sha256:${crypto.createHash('sha256').update(config).digest('hex')}`
    for (const [body, d] of [
      [data, digest],
      [config, configDigest]
    ] as const) {
      const r = await fetch(`http://${src.host}/v2/src/blobs/uploads/`, {method: 'POST'})
      const loc = new URL(r.headers.get('location') ?? '', `http://${src.host}`).toString()
      const put = await fetch(`${loc}${loc.includes('?') ? '&' : '?'}digest=${encodeURIComponent(d)}`, {
        method: 'PUT',
        body
      })
      if (put.status !== 201) throw new Error(`seeding the source: ${put.status}`)
    }
    const manifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length},
      layers: [{mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: data.length}]
    }
    const m = await fetch(`http://${src.host}/v2/src/manifests/floor`, {
      method: 'PUT',
      headers: {'content-type': manifest.mediaType},
      body: JSON.stringify(manifest)
    })
    if (m.status !== 201) throw new Error(`seeding the source manifest: ${m.status}`)
    const program = path.join(dir, 'copy.js')
    fs.writeFileSync(program, PROGRAM)
    // every run copies into a registry of its own: nothing is there yet
    const ways: Record<string, (dst: string) => string[]> = {
      bare: dst => [actionNode(), program, 'bare', src.host, dst, digest, 'copy'],
      fetch: dst => [actionNode(), program, 'fetch', src.host, dst, digest, 'copy'],
      httpFetch: dst => [actionNode(), program, 'httpFetch', src.host, dst, digest, 'copy', OURS],
      http: dst => [actionNode(), program, 'http', src.host, dst, digest, 'copy'],
      skopeo: dst => [
        'skopeo',
        'copy',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        `docker://${src.host}/src:floor`,
        `docker://${dst}/copy:floor`
      ]
    }
    const lines = [
      `### The floor of a copy: one 150 MB blob between two loopback registries (\`bench/copy-floor.ts\`, ${RUNS} runs, medians)`,
      '',
      '| way | wall (s) | CPU (s) | CPU s/GB |',
      '| --- | ---: | ---: | ---: |'
    ]
    for (const [way, argv] of Object.entries(ways)) {
      const costs: Cost[] = []
      for (let i = 0; i < RUNS; i++) {
        const [dst] = await startRegistries([{}])
        try {
          costs.push(
            await measured(time => exec(time[0] ?? '', [...time.slice(1), ...argv(dst.host)], {maxBuffer: 16 << 20}))
          )
        } finally {
          await dst.stop()
        }
      }
      const cpu = median(costs.map(c => c.cpu))
      process.stderr.write(
        `floor ${way}: ${costs.map(c => `${c.wall.toFixed(2)} s / ${c.cpu.toFixed(2)} CPU`).join(', ')}\n`
      )
      lines.push(
        `| ${way} | ${median(costs.map(c => c.wall)).toFixed(2)} | ${cpu.toFixed(2)} | ${way === 'bare' ? '' : (cpu / (data.length / 1e9)).toFixed(2)} |`
      )
    }
    console.log(lines.join('\n'))
  } finally {
    fs.rmSync(dir, {recursive: true, force: true})
    await src.stop()
  }
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
