/**
 * Benchmarks stevedore against the plain docker CLI and skopeo, side by side
 * in one run, on the example orders image and registries on loopback. The
 * post step is not timed: it runs at the end of the job, not in the step. Every
 * case gets fresh, empty registries (except the "repeated" cases). Prints a
 * Markdown table of medians and ratios. Run: bench/run.sh
 */
import {execFile} from 'child_process'
import * as os from 'os'
import {promisify} from 'util'
import {TestRegistry, startRegistry} from '../__tests__/support/registry'
import {runAction} from '../scripts/local-runner'

const exec = promisify(execFile)
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const IMAGE = 'stevedore-bench/orders:latest'
const BUILD_ARGS = 'BASE_IMAGE=stevedore-local/python-fastapi:bookworm\nAPP_PACKAGE_NAME=orders\nUID=10001'
const TAGS = ['1.2.3', '1.2', '1', 'latest']

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint()
  await work()
  return Number(process.hrtime.bigint() - t0) / 1e9
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

async function withRegistries<T>(n: number, work: (regs: TestRegistry[]) => Promise<T>): Promise<T> {
  const regs = await Promise.all(Array.from({length: n}, () => startRegistry()))
  try {
    return await work(regs)
  } finally {
    await Promise.all(regs.map(r => r.stop()))
  }
}

async function docker(...args: string[]): Promise<string> {
  return (await exec('docker', args, {maxBuffer: 64 << 20})).stdout
}

async function dockerPushAll(refs: string[]): Promise<void> {
  for (const ref of refs) await docker('tag', IMAGE, ref)
  for (const ref of refs) await docker('push', ref)
  await docker('image', 'rm', ...refs)
}

async function stevedorePublish(images: string[], level = '3'): Promise<Record<string, string>> {
  const run = await runAction(
    {
      images: images.join('\n'),
      context: 'examples/orders',
      'build-args': BUILD_ARGS,
      network: 'host',
      'compression-level': level
    },
    {env: {GITHUB_REF: 'refs/tags/v1.2.3'}, post: false}
  )
  if (run.exitCode !== 0) throw new Error(`stevedore failed:\n${run.stdout.slice(-3000)}`)
  return run.outputs
}

async function stevedoreMirror(source: string, images: string[]): Promise<{outputs: Record<string, string>}> {
  const run = await runAction({source, images: images.join('\n'), tags: 'mirrored'}, {post: false})
  if (run.exitCode !== 0) throw new Error(`stevedore mirror failed:\n${run.stdout.slice(-3000)}`)
  return {outputs: run.outputs}
}

async function skopeoCopy(src: string, dst: string): Promise<void> {
  await exec('skopeo', [
    'copy',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    `docker://${src}`,
    `docker://${dst}`
  ])
}

interface Row {
  name: string
  times: number[]
  note?: string
}

async function main(): Promise<void> {
  const rows: Row[] = []
  const add = async (name: string, work: () => Promise<number | {t: number; note: string}>): Promise<Row> => {
    const row: Row = {name, times: []}
    for (let i = 0; i < RUNS; i++) {
      const r = await work()
      if (typeof r === 'number') row.times.push(r)
      else {
        row.times.push(r.t)
        row.note = r.note
      }
      process.stderr.write(`${name}: run ${i + 1}: ${row.times.at(-1)?.toFixed(2)} s\n`)
    }
    rows.push(row)
    return row
  }

  const onePush = await add('docker push, 1 registry x 1 tag', () =>
    withRegistries(1, async ([r]) => seconds(() => dockerPushAll([`${r?.host}/bench/orders:1.2.3`])))
  )
  await add('docker tag + push, 3 registries x 4 tags', () =>
    withRegistries(3, regs =>
      seconds(() => dockerPushAll(regs.flatMap(r => TAGS.map(t => `${r.host}/bench/orders:${t}`))))
    )
  )
  // warm the build cache so that the action's build is the cache hit it is in a release pipeline
  await withRegistries(1, ([r]) => stevedorePublish([`${r?.host}/warm/orders`]))
  const ours = await add('stevedore (build cache hit + publish), 3 registries x 4 tags, gzip 3 (default)', () =>
    withRegistries(3, regs => seconds(() => stevedorePublish(regs.map(r => `${r.host}/bench/orders`))))
  )
  const smaller = await add('stevedore (build cache hit + publish), 3 registries x 4 tags, gzip 6', () =>
    withRegistries(3, regs =>
      seconds(() =>
        stevedorePublish(
          regs.map(r => `${r.host}/bench/orders`),
          '6'
        )
      )
    )
  )

  // copies: the image sits in a source registry
  const copies = await withRegistries(2, async ([src, repeatDst]) => {
    if (src === undefined || repeatDst === undefined) throw new Error('no registry')
    const source = `${src.host}/bench/orders:1.2.3`
    await dockerPushAll([source])
    const sk = await add('skopeo copy registry -> registry', () =>
      withRegistries(1, ([d]) => seconds(() => skopeoCopy(source, `${d?.host}/bench/orders:mirrored`)))
    )
    const mi = await add('stevedore mirror registry -> registry', () =>
      withRegistries(1, ([d]) => seconds(() => stevedoreMirror(source, [`${d?.host}/bench/orders`])))
    )
    await skopeoCopy(source, `${repeatDst.host}/bench/orders:mirrored`)
    const skAgain = await add('skopeo copy, repeated (destination has it)', () =>
      seconds(() => skopeoCopy(source, `${repeatDst.host}/bench/orders:mirrored`))
    )
    const miAgain = await add('stevedore mirror, repeated (destination has it)', async () => {
      let bytes = 0
      const t = await seconds(async () => {
        const {outputs} = await stevedoreMirror(source, [`${repeatDst.host}/bench/orders`])
        const meta = JSON.parse(outputs.metadata ?? '{}') as {blobs: Record<string, {uploadedBytes: number}>}
        bytes = Object.values(meta.blobs).reduce((n, b) => n + b.uploadedBytes, 0)
      })
      return {t, note: `${bytes} blob bytes moved`}
    })
    return {sk, mi, skAgain, miAgain}
  })

  const m = (r: Row) => median(r.times)
  const ratio = (a: Row, b: Row) => (m(a) / m(b)).toFixed(2)
  const size = (await docker('image', 'inspect', '-f', '{{.Size}}', IMAGE)).trim()
  console.log(
    `\n### ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${RUNS} runs each (median)\n`
  )
  console.log(
    `Image: examples/orders on the local Debian base, ${(Number(size) / 1e6).toFixed(0)} MB uncompressed. Registries: docker-registry 2.8 on 127.0.0.1.\n`
  )
  console.log('| case | median (s) | runs (s) | note |')
  console.log('| --- | ---: | --- | --- |')
  for (const r of rows)
    console.log(`| ${r.name} | ${m(r).toFixed(2)} | ${r.times.map(t => t.toFixed(2)).join(', ')} | ${r.note ?? ''} |`)
  console.log('\n| ratio | value | goal |')
  console.log('| --- | ---: | ---: |')
  console.log(`| stevedore 3x4 (gzip 3, default) / one docker push | ${ratio(ours, onePush)} | <= 0.6 |`)
  console.log(`| stevedore 3x4 (gzip 6) / one docker push | ${ratio(smaller, onePush)} | |`)
  console.log(`| stevedore mirror / skopeo copy | ${ratio(copies.mi, copies.sk)} | <= 1.0 |`)
  console.log(`| stevedore mirror, repeated / skopeo copy, repeated | ${ratio(copies.miAgain, copies.skAgain)} | |`)
}

main().catch(e => {
  console.error(e)
  process.exit(1)
})
