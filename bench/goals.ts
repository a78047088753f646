/**
 * The speed goals, measured side by side in one run (bench/run.sh). Every case runs on loopback and
 * through a link like a runner's (bench/relay.ts: 50 MB/s shared per registry, 10 ms added each way);
 * what users would run instead goes through the same relay.
 * 1. publish, 3 registries x 4 tags, per engine, against build-push-action's way
 *    (`docker buildx build --push` of the 12 refs); on Docker 20.10, against one warm build + `docker push`
 * 2. a release after a release: only the application layer changed, against the first publish
 * 3. mirror to 1 and to 3 registries, against `skopeo copy` (one per registry), and repeated
 * 4. from the start of the step to the first engine call
 */
import {execFile} from 'child_process'
import * as crypto from 'crypto'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import {promisify} from 'util'
import {ENGINE_NAMES, EngineName, craneBinary, engine} from '../__tests__/support/engines'
import {TestRegistry, startRegistries} from '../__tests__/support/registry'
import {runAction} from '../scripts/local-runner'
import {Cost, measured, median} from './measure'
import {RUNNER_LINK, Relay, startRelay} from './relay'

const exec = promisify(execFile)
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
/** BENCH_COMPRESSION=zstd: stevedore's `compression` input in goals 1 and 2 (theirs stays as it is) */
const COMPRESSION = process.env.BENCH_COMPRESSION === undefined ? {} : {compression: process.env.BENCH_COMPRESSION}
/** BENCH_ENGINES=d28-containerd,... picks engines (default: all) */
const ENGINES = ENGINE_NAMES.filter(e => (process.env.BENCH_ENGINES ?? ENGINE_NAMES.join(',')).split(',').includes(e))
const LINKS = (process.env.BENCH_LINKS ?? 'loopback,link').split(',') as Array<'loopback' | 'link'>
/** BENCH_IMAGES=orders,big picks goal 3's images (default both) */
const IMAGES = (process.env.BENCH_IMAGES ?? 'orders,big').split(',')
/** BENCH_PROFILE=DIR: every mirror of goal 3 writes a V8 CPU profile there (node --cpu-prof) */
const PROFILE =
  process.env.BENCH_PROFILE === undefined
    ? {}
    : {NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE)}`}
type Link = 'loopback' | 'link'
const ORDERS_ARGS = ['BASE_IMAGE=stevedore-local/python-fastapi:bookworm', 'APP_PACKAGE_NAME=orders', 'UID=10001']
const TAGS = ['1.2.3', '1.2', '1', 'latest']

const f2 = (x: number) => x.toFixed(2)
const list = (xs: number[]) => xs.map(f2).join(', ')
const log = (line: string) => process.stderr.write(`${line}\n`)

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint()
  await work()
  return Number(process.hrtime.bigint() - t0) / 1e9
}

/** Fresh registries, each reached directly or through its own relay; `hosts` are what clients use. */
async function withRegistries<T>(
  n: number,
  link: Link,
  work: (hosts: string[], regs: TestRegistry[]) => Promise<T>
): Promise<T> {
  const regs = await startRegistries(Array.from({length: n}, () => ({})))
  const relays: Relay[] = link === 'link' ? await Promise.all(regs.map(r => startRelay(r.host, RUNNER_LINK))) : []
  try {
    return await work(link === 'link' ? relays.map(r => r.host) : regs.map(r => r.host), regs)
  } finally {
    await Promise.all(relays.map(r => r.stop()))
    await Promise.all(regs.map(r => r.stop()))
  }
}

async function stevedore(
  e: EngineName,
  inputs: Record<string, string>,
  ref: string
): Promise<{outputs: Record<string, string>; stdout: string}> {
  const run = await runAction(inputs, {env: {GITHUB_REF: ref, ...engine(e).env}, post: false})
  if (run.exitCode !== 0) throw new Error(`stevedore failed on ${e}:\n${run.stdout.slice(-3000)}`)
  return run
}

const publishOrders = (e: EngineName, hosts: string[]) =>
  stevedore(
    e,
    {
      images: hosts.map(h => `${h}/bench/orders`).join('\n'),
      context: 'examples/orders',
      'build-args': ORDERS_ARGS.join('\n'),
      network: 'host',
      ...COMPRESSION
    },
    'refs/tags/v1.2.3'
  )

/** What build-push-action runs: one buildx build pushing every ref. Docker 20.10: a warm build and one `docker push`. */
async function usersWay(e: EngineName, hosts: string[]): Promise<void> {
  const env = {...process.env, ...engine(e).env}
  const args = ORDERS_ARGS.flatMap(a => ['--build-arg', a])
  if (e === 'docker20') {
    const ref = `${hosts[0] ?? ''}/bench/orders:1.2.3`
    await exec('docker', ['build', '-q', '--network', 'host', ...args, '-t', ref, 'examples/orders'], {
      env: {...env, DOCKER_BUILDKIT: '1'}
    })
    await exec('docker', ['push', '-q', ref], {env})
    await exec('docker', ['image', 'rm', ref], {env})
    return
  }
  const refs = hosts.flatMap(h => TAGS.map(t => `${h}/bench/orders:${t}`))
  await exec(
    'docker',
    [
      'buildx',
      'build',
      '--push',
      '-q',
      '--network',
      'host',
      ...args,
      ...refs.flatMap(r => ['-t', r]),
      'examples/orders'
    ],
    {env, maxBuffer: 64 << 20}
  )
}

async function goal1(lines: string[]): Promise<void> {
  lines.push(
    "### 1. Publish, 3 registries x 4 tags, against build-push-action's way",
    '',
    '| engine | link | stevedore (s) | runs | theirs (s) | runs | ratio | goal |',
    '| --- | --- | ---: | --- | ---: | --- | ---: | ---: |'
  )
  const goals: Record<EngineName, Record<Link, number>> = {
    docker20: {loopback: 0.6, link: 0.6},
    'd28-classic': {loopback: 0.5, link: 0.5},
    'd28-containerd': {loopback: 1.0, link: 0.5}
  }
  for (const e of ENGINES) {
    // warm the build cache for both sides
    await withRegistries(3, 'loopback', hosts => publishOrders(e, hosts))
    await withRegistries(3, 'loopback', hosts => usersWay(e, hosts))
    for (const link of LINKS) {
      const ours: number[] = []
      const theirs: number[] = []
      for (let i = 0; i < RUNS; i++) {
        ours.push(await withRegistries(3, link, hosts => seconds(() => publishOrders(e, hosts))))
        theirs.push(await withRegistries(3, link, hosts => seconds(() => usersWay(e, hosts))))
        log(`goal 1 ${e} ${link}: stevedore ${f2(ours.at(-1) ?? 0)} s, theirs ${f2(theirs.at(-1) ?? 0)} s`)
      }
      const ratio = median(ours) / median(theirs)
      const goal = goals[e][link]
      lines.push(
        `| ${e} | ${link} | ${f2(median(ours))} | ${list(ours)} | ${f2(median(theirs))} | ${list(theirs)} | ${f2(ratio)}x | ${ratio <= goal ? 'met' : 'not met'} (<= ${goal}x) |`
      )
    }
  }
}

/** A release context: the Python base (the dependency layer, about 200 MB) under a one-line application layer. */
function releaseContext(): string {
  // inside the workspace, as a context must be
  fs.mkdirSync('.tmp', {recursive: true})
  const dir = fs.mkdtempSync(path.join('.tmp', 'bench-release-'))
  fs.writeFileSync(
    path.join(dir, 'Dockerfile'),
    'FROM stevedore-local/python-fastapi:bookworm\nARG RELEASE\nRUN echo "$RELEASE" > /release\n'
  )
  return dir
}

async function goal2(lines: string[]): Promise<void> {
  lines.push(
    '',
    '### 2. A release after a release (only the application layer changed), against the first publish',
    '',
    '| engine | link | first (s) | runs | next (s) | runs | ratio | bytes uploaded by the next | goal |',
    '| --- | --- | ---: | --- | ---: | --- | ---: | ---: | ---: |'
  )
  const context = releaseContext()
  try {
    for (const e of ENGINES) {
      for (const link of LINKS) {
        const first: number[] = []
        const next: number[] = []
        let uploaded = 0
        for (let i = 0; i < RUNS; i++) {
          await withRegistries(3, link, async hosts => {
            const release = (version: string) =>
              stevedore(
                e,
                {
                  images: hosts.map(h => `${h}/bench/app`).join('\n'),
                  context,
                  'build-args': `RELEASE=${version}-${Date.now()}`,
                  network: 'none',
                  ...COMPRESSION
                },
                `refs/tags/v${version}`
              )
            first.push(await seconds(() => release('1.0.0')))
            let outputs: Record<string, string> = {}
            next.push(await seconds(async () => (outputs = (await release('1.0.1')).outputs)))
            const meta = JSON.parse(outputs.metadata ?? '{}') as {blobs: Record<string, {uploadedBytes: number}>}
            uploaded = Object.values(meta.blobs).reduce((n, b) => n + b.uploadedBytes, 0)
          })
          log(`goal 2 ${e} ${link}: first ${f2(first.at(-1) ?? 0)} s, next ${f2(next.at(-1) ?? 0)} s`)
        }
        const ratio = median(next) / median(first)
        lines.push(
          `| ${e} | ${link} | ${f2(median(first))} | ${list(first)} | ${f2(median(next))} | ${list(next)} | ${f2(ratio)}x | ${uploaded} | ${ratio <= 0.3 ? 'met' : 'not met'} (<= 0.3x) |`
        )
      }
    }
  } finally {
    fs.rmSync(context, {recursive: true, force: true})
  }
}

const addCosts = (xs: Cost[]): Cost => ({
  wall: xs.reduce((n, c) => n + c.wall, 0),
  cpu: xs.reduce((n, c) => n + c.cpu, 0),
  rssMb: Math.max(0, ...xs.map(c => c.rssMb))
})

async function skopeoCopy(src: string, dst: string): Promise<Cost> {
  return measured(time =>
    exec(time[0] ?? '', [
      ...time.slice(1),
      'skopeo',
      'copy',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      `docker://${src}`,
      `docker://${dst}`
    ])
  )
}

/** The images goal 3 copies: their references in the source registry, and the bytes of their blobs. */
interface SourceImage {
  readonly name: string
  readonly ref: string
  readonly bytes: number
}

/** The orders service, published by stevedore from examples/orders. */
async function ordersSource(srcHost: string, pushHost: string): Promise<SourceImage> {
  const published = await stevedore(
    'd28-classic',
    {
      images: `${pushHost}/bench/orders`,
      context: 'examples/orders',
      'build-args': ORDERS_ARGS.join('\n'),
      network: 'host',
      tags: 'src'
    },
    'refs/heads/main'
  )
  const ref = `${srcHost}/bench/orders@${published.outputs.digest ?? ''}`
  return {name: 'orders image', ref, bytes: await blobBytes(ref)}
}

/** 150 MB in a config and three layers (150 MB, 1 MB and 10 kB of random bytes), pushed by crane. */
async function bigSource(srcHost: string, pushHost: string): Promise<SourceImage> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-bench-big-'))
  try {
    const layers = [150e6, 1e6, 1e4].map((size, i) => {
      const folder = path.join(dir, `l${i}`)
      fs.mkdirSync(folder)
      fs.writeFileSync(path.join(folder, `data${i}`), crypto.randomBytes(size))
      return folder
    })
    const tars = await Promise.all(
      layers.map(async (folder, i) => {
        const tar = path.join(dir, `l${i}.tar`)
        await exec('tar', ['-C', folder, '-cf', tar, '.'])
        return tar
      })
    )
    const crane = craneBinary()
    await exec(crane, ['append', '--insecure', ...tars.flatMap(t => ['-f', t]), '-t', `${pushHost}/bench/big:src`])
    const {stdout} = await exec(crane, ['digest', '--insecure', `${pushHost}/bench/big:src`])
    const ref = `${srcHost}/bench/big@${stdout.trim()}`
    return {name: '150 MB image', ref, bytes: await blobBytes(ref)}
  } finally {
    fs.rmSync(dir, {recursive: true, force: true})
  }
}

/** The bytes of an image's blobs (config and layers), from its manifest. */
async function blobBytes(ref: string): Promise<number> {
  const {stdout} = await exec('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`])
  const m = JSON.parse(stdout) as {config: {size: number}; layers: Array<{size: number}>}
  return m.config.size + m.layers.reduce((n, l) => n + l.size, 0)
}

async function goal3(lines: string[]): Promise<void> {
  lines.push(
    '',
    '### 3. Mirror, against `skopeo copy` (one per registry)',
    '',
    'Wall and CPU (user + sys, of the whole process tree) from `/usr/bin/time`, medians; CPU per GB counts every byte sent to every registry.',
    '',
    '| image | case | link | stevedore wall (s) | runs | skopeo wall (s) | runs | wall ratio | stevedore CPU (s) | skopeo CPU (s) | CPU ratio | CPU s/GB, stevedore / skopeo | stevedore peak RSS (MB) | goal |',
    '| --- | --- | --- | ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |'
  )
  for (const link of LINKS) {
    // the source registry, through the same kind of link as the destinations
    await withRegistries(1, link, async ([srcHost], [src]) => {
      const sources = [
        ...(IMAGES.includes('orders') ? [await ordersSource(srcHost ?? '', src?.host ?? '')] : []),
        ...(IMAGES.includes('big') ? [await bigSource(srcHost ?? '', src?.host ?? '')] : [])
      ]
      for (const source of sources) {
        const mirror = (targets: string[], tags: string, time: string[] = []) =>
          runAction(
            {source: source.ref, images: targets.map(h => `${h}/bench/copy`).join('\n'), tags},
            {env: {GITHUB_REF: '', ...PROFILE}, post: false, wrap: () => time}
          ).then(r => {
            if (r.exitCode !== 0) throw new Error(`the mirror failed:\n${r.stdout.slice(-3000)}`)
            return r
          })
        for (const n of [1, 3]) {
          const ours: Cost[] = []
          const theirs: Cost[] = []
          // fresh destinations for every run: nothing is there yet
          for (let i = 0; i < RUNS; i++) {
            ours.push(await withRegistries(n, link, hosts => measured(time => mirror(hosts, 'copy', time))))
            theirs.push(
              await withRegistries(n, link, async hosts => {
                const each: Cost[] = []
                for (const h of hosts) each.push(await skopeoCopy(source.ref, `${h}/bench/copy:copy`))
                return addCosts(each)
              })
            )
            log(
              `goal 3 ${source.name} ${link} ${n}: stevedore ${f2(ours.at(-1)?.wall ?? 0)} s (CPU ${f2(ours.at(-1)?.cpu ?? 0)}), skopeo ${f2(theirs.at(-1)?.wall ?? 0)} s (CPU ${f2(theirs.at(-1)?.cpu ?? 0)})`
            )
          }
          const wall = [median(ours.map(c => c.wall)), median(theirs.map(c => c.wall))] as const
          const cpu = [median(ours.map(c => c.cpu)), median(theirs.map(c => c.cpu))] as const
          const gb = (source.bytes * n) / 1e9
          const goals = copyGoals(n, link)
          const met = goals.every(g => (g.of === 'wall' ? wall[0] / wall[1] : cpu[0] / cpu[1]) <= g.max)
          lines.push(
            `| ${source.name} (${(source.bytes / 1e6).toFixed(0)} MB) | to ${n} registr${n === 1 ? 'y' : 'ies'} | ${link} | ${f2(wall[0])} | ${list(ours.map(c => c.wall))} | ${f2(wall[1])} | ${list(theirs.map(c => c.wall))} | ${f2(wall[0] / wall[1])}x | ${f2(cpu[0])} | ${f2(cpu[1])} | ${f2(cpu[0] / cpu[1])}x | ${f2(cpu[0] / gb)} / ${f2(cpu[1] / gb)} | ${median(ours.map(c => c.rssMb)).toFixed(0)} | ${met ? 'met' : 'not met'} (${goals.map(g => `${g.of} <= ${g.max}x`).join(', ')}) |`
          )
        }
        // repeated: every destination has it already
        await withRegistries(3, link, async hosts => {
          await mirror(hosts, 'copy')
          const again = await mirror(hosts, 'again')
          const meta = JSON.parse(again.outputs.metadata ?? '{}') as {blobs: Record<string, {uploadedBytes: number}>}
          const bytes = Object.values(meta.blobs).reduce((sum, b) => sum + b.uploadedBytes, 0)
          lines.push(
            `| ${source.name} | repeated, to 3 registries | ${link} | | | | | | | | | | | ${bytes} blob bytes moved (goal 0) |`
          )
        })
      }
    })
  }
  await startToRequest(lines)
}

/** Issue 27's goals for a copy: on loopback, to 1 registry as fast as skopeo with 1.5x its CPU; to 3, 0.8x; through the link, 3 at 0.5x. */
function copyGoals(n: number, link: Link): Array<{of: 'wall' | 'cpu'; max: number}> {
  if (link === 'link') return [{of: 'wall', max: n === 1 ? 1.0 : 0.5}]
  return n === 1
    ? [
        {of: 'wall', max: 1.0},
        {of: 'cpu', max: 1.5}
      ]
    : [{of: 'wall', max: 0.8}]
}

/** Seconds from the step's node starting to its first connection to a registry (a mirror: no engine), from strace. */
async function startToRequest(lines: string[]): Promise<void> {
  const times: number[] = []
  await withRegistries(1, 'loopback', async ([host]) => {
    const source = `${host ?? ''}/bench/none:1`
    for (let i = 0; i < Math.max(RUNS, 5); i++) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-bench-start-'))
      const trace = path.join(dir, 'trace')
      try {
        // the source does not exist: the run ends after its first requests
        await runAction(
          {source, images: `${host ?? ''}/bench/copy`, tags: 'x'},
          {
            env: {GITHUB_REF: ''},
            post: false,
            wrap: () => ['strace', '-f', '-qq', '-ttt', '-e', 'trace=execve,connect', '-o', trace]
          }
        )
        const port = (host ?? '').split(':')[1] ?? ''
        const lines = fs.readFileSync(trace, 'utf8').split('\n')
        const node = Number(/^\d+\s+([\d.]+) execve\(/.exec(lines[0] ?? '')?.[1])
        const connect = lines.find(l => l.includes(' connect(') && l.includes(`htons(${port})`))
        times.push(Number(/^\d+\s+([\d.]+)/.exec(connect ?? '')?.[1]) - node)
      } finally {
        fs.rmSync(dir, {recursive: true, force: true})
      }
    }
  })
  log(`goal 3 start to the first registry request: ${list(times)}`)
  lines.push(
    '',
    `Start of a mirror step to its first registry request (strace): median ${f2(median(times))} s, runs ${list(times)}; ${median(times) <= 0.15 ? 'met' : 'not met'} (<= 0.15 s).`
  )
}

/** Seconds from the step's node starting to its first docker process, from `strace -f -ttt -e execve`. */
async function startToEngine(e: EngineName, host: string): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-bench-start-'))
  const trace = path.join(dir, 'trace')
  try {
    await runAction(
      {images: `${host}/bench/start`, context: '__tests__/fixtures/multistage', network: 'none', tags: 'start'},
      {env: engine(e).env, post: false, wrap: () => ['strace', '-f', '-qq', '-ttt', '-e', 'trace=execve', '-o', trace]}
    )
    const execs = fs
      .readFileSync(trace, 'utf8')
      .split('\n')
      .map(l => /^\d+\s+([\d.]+) execve\("([^"]+)"/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
    const node = Number(execs[0]?.[1])
    const docker = Number(execs.find(m => /\/docker$/.test(m[2] ?? ''))?.[1])
    return docker - node
  } finally {
    fs.rmSync(dir, {recursive: true, force: true})
  }
}

async function goal4(lines: string[]): Promise<void> {
  lines.push(
    '',
    '### 4. From the start of the step to the first engine call',
    '',
    '| engine | median (s) | runs | goal |',
    '| --- | ---: | --- | ---: |'
  )
  await withRegistries(1, 'loopback', async ([host]) => {
    for (const e of ENGINES) {
      const times: number[] = []
      for (let i = 0; i < Math.max(RUNS, 5); i++) times.push(await startToEngine(e, host ?? ''))
      log(`goal 4 ${e}: ${list(times)}`)
      lines.push(
        `| ${e} | ${f2(median(times))} | ${list(times)} | ${median(times) <= 0.3 ? 'met' : 'not met'} (<= 0.3 s) |`
      )
    }
  })
}

async function main(): Promise<void> {
  const only = (process.env.BENCH_GOALS ?? '1,2,3,4').split(',')
  const lines = [
    `## ${new Date().toISOString().slice(0, 10)}: speed goals (\`bash bench/run.sh\`)`,
    '',
    `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; ${RUNS} runs per case, medians. Link: ${RUNNER_LINK.bytesPerSecond / 1e6} MB/s shared per registry, ${RUNNER_LINK.delayMs} ms added each way.${process.env.BENCH_COMPRESSION === undefined ? '' : ` stevedore with compression: ${process.env.BENCH_COMPRESSION}.`}`,
    ''
  ]
  // each goal's table is printed as soon as it is complete
  const goals = [goal1, goal2, goal3, goal4]
  for (const [i, goal] of goals.entries()) {
    if (!only.includes(String(i + 1))) continue
    await goal(lines)
    console.log(lines.join('\n'))
    lines.length = 0
  }
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
