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
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import {promisify} from 'util'
import {ENGINE_NAMES, EngineName, engine} from '../__tests__/support/engines'
import {TestRegistry, startRegistries} from '../__tests__/support/registry'
import {runAction} from '../scripts/local-runner'
import {RUNNER_LINK, Relay, startRelay} from './relay'

const exec = promisify(execFile)
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
/** BENCH_COMPRESSION=zstd: stevedore's `compression` input in goals 1 and 2 (theirs stays as it is) */
const COMPRESSION = process.env.BENCH_COMPRESSION === undefined ? {} : {compression: process.env.BENCH_COMPRESSION}
/** BENCH_ENGINES=d28-containerd,... picks engines (default: all) */
const ENGINES = ENGINE_NAMES.filter(e => (process.env.BENCH_ENGINES ?? ENGINE_NAMES.join(',')).split(',').includes(e))
const LINKS = ['loopback', 'link'] as const
type Link = (typeof LINKS)[number]
const ORDERS_ARGS = ['BASE_IMAGE=stevedore-local/python-fastapi:bookworm', 'APP_PACKAGE_NAME=orders', 'UID=10001']
const TAGS = ['1.2.3', '1.2', '1', 'latest']

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}
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

async function skopeoCopy(src: string, dst: string): Promise<void> {
  await exec('skopeo', [
    'copy',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    `docker://${src}`,
    `docker://${dst}`
  ])
}

async function goal3(lines: string[]): Promise<void> {
  lines.push(
    '',
    '### 3. Mirror, against `skopeo copy` (one per registry)',
    '',
    '| case | link | stevedore (s) | runs | skopeo (s) | runs | ratio | goal |',
    '| --- | --- | ---: | --- | ---: | --- | ---: | ---: |'
  )
  for (const link of LINKS) {
    // the source registry, through the same kind of link as the destinations
    await withRegistries(1, link, async ([srcHost], [src]) => {
      const published = await stevedore(
        'd28-classic',
        {
          images: `${src?.host ?? ''}/bench/orders`,
          context: 'examples/orders',
          'build-args': ORDERS_ARGS.join('\n'),
          network: 'host',
          tags: 'src'
        },
        'refs/heads/main'
      )
      const source = `${srcHost ?? ''}/bench/orders@${published.outputs.digest ?? ''}`
      const mirror = (targets: string[], tags: string) =>
        stevedore('docker20', {source, images: targets.map(h => `${h}/bench/orders`).join('\n'), tags}, '')
      for (const n of [1, 3]) {
        const ours: number[] = []
        const theirs: number[] = []
        // fresh destinations for every run: nothing is there yet
        for (let i = 0; i < RUNS; i++) {
          ours.push(await withRegistries(n, link, hosts => seconds(() => mirror(hosts, 'copy'))))
          theirs.push(
            await withRegistries(n, link, hosts =>
              seconds(async () => {
                for (const h of hosts) await skopeoCopy(source, `${h}/bench/orders:copy`)
              })
            )
          )
          log(`goal 3 ${link} ${n}: stevedore ${f2(ours.at(-1) ?? 0)} s, skopeo ${f2(theirs.at(-1) ?? 0)} s`)
        }
        const ratio = median(ours) / median(theirs)
        const goal = n === 1 ? 1.0 : 0.5
        lines.push(
          `| to ${n} registr${n === 1 ? 'y' : 'ies'} | ${link} | ${f2(median(ours))} | ${list(ours)} | ${f2(median(theirs))} | ${list(theirs)} | ${f2(ratio)}x | ${ratio <= goal ? 'met' : 'not met'} (<= ${goal}x) |`
        )
      }
      // repeated: every destination has it already
      await withRegistries(3, link, async hosts => {
        await mirror(hosts, 'copy')
        const again = await mirror(hosts, 'again')
        const meta = JSON.parse(again.outputs.metadata ?? '{}') as {blobs: Record<string, {uploadedBytes: number}>}
        const bytes = Object.values(meta.blobs).reduce((sum, b) => sum + b.uploadedBytes, 0)
        lines.push(`| repeated, to 3 registries | ${link} | | | | | | ${bytes} blob bytes moved (goal 0) |`)
      })
    })
  }
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
