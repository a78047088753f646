/**
 * Publish time per engine, side by side in one run: stevedore (the bundled
 * action, 3 registries x 4 tags) against what build-push-action runs on the
 * same engine, `docker buildx build --push` of the same 12 refs (Docker 20.10
 * has no buildx: `docker build` + `docker push` of each ref there). Build cache
 * warm for both; fresh registries for every run. Also the step's own "Docker"
 * phase (finding the client, the builder and the image store). Run: bench/engines.sh
 */
import {execFile} from 'child_process'
import {promisify} from 'util'
import {ENGINE_NAMES, EngineName, engine} from '../__tests__/support/engines'
import {TestRegistry, startRegistry} from '../__tests__/support/registry'
import {runAction} from '../scripts/local-runner'

const exec = promisify(execFile)
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const BUILD_ARGS = ['BASE_IMAGE=stevedore-local/python-fastapi:bookworm', 'APP_PACKAGE_NAME=orders', 'UID=10001']
const TAGS = ['1.2.3', '1.2', '1', 'latest']

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint()
  await work()
  return Number(process.hrtime.bigint() - t0) / 1e9
}

async function withRegistries<T>(work: (regs: TestRegistry[]) => Promise<T>): Promise<T> {
  const regs = await Promise.all([startRegistry(), startRegistry(), startRegistry()])
  try {
    return await work(regs)
  } finally {
    await Promise.all(regs.map(r => r.stop()))
  }
}

async function stevedore(name: EngineName, regs: TestRegistry[]): Promise<{docker: number}> {
  const run = await runAction(
    {
      images: regs.map(r => `${r.host}/bench/orders`).join('\n'),
      context: 'examples/orders',
      'build-args': BUILD_ARGS.join('\n'),
      network: 'host'
    },
    {env: {GITHUB_REF: 'refs/tags/v1.2.3', ...engine(name).env}, post: false}
  )
  if (run.exitCode !== 0) throw new Error(`stevedore failed on ${name}:\n${run.stdout.slice(-3000)}`)
  return {docker: Number(/\(Docker: ([\d.]+) s\)/.exec(run.stdout)?.[1] ?? NaN)}
}

/** What build-push-action runs: one buildx build that pushes every ref; the plain engine pushes ref by ref. */
async function usersWay(name: EngineName, regs: TestRegistry[]): Promise<void> {
  const e = engine(name)
  const refs = regs.flatMap(r => TAGS.map(t => `${r.host}/bench/orders:${t}`))
  const args = BUILD_ARGS.flatMap(a => ['--build-arg', a])
  const env = {...process.env, ...e.env}
  if (name === 'docker20') {
    // Debian's 20.10 client: its BuildKit is built in (a newer client on PATH has no buildx here)
    const docker = '/usr/bin/docker'
    await exec(
      docker,
      ['build', '-q', '--network', 'host', ...args, ...refs.flatMap(r => ['-t', r]), 'examples/orders'],
      {
        env: {...env, DOCKER_BUILDKIT: '1'}
      }
    )
    for (const r of refs) await exec(docker, ['push', '-q', r], {env})
    await exec(docker, ['image', 'rm', ...refs], {env})
    return
  }
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
    {
      env,
      maxBuffer: 64 << 20
    }
  )
}

async function main(): Promise<void> {
  const lines = [
    '| engine | stevedore (s) | runs | build-push-action\'s way (s) | runs | ratio | stevedore "Docker" phase (s) |',
    '| --- | ---: | --- | ---: | --- | ---: | ---: |'
  ]
  for (const name of ENGINE_NAMES) {
    await withRegistries(regs => stevedore(name, regs)) // warm the build cache for both sides
    await withRegistries(regs => usersWay(name, regs))
    const ours: number[] = []
    const theirs: number[] = []
    const probe: number[] = []
    for (let i = 0; i < RUNS; i++) {
      ours.push(await withRegistries(regs => seconds(async () => probe.push((await stevedore(name, regs)).docker))))
      theirs.push(await withRegistries(regs => seconds(() => usersWay(name, regs))))
      process.stderr.write(
        `${name}: run ${i + 1}: stevedore ${ours.at(-1)?.toFixed(2)} s, users' way ${theirs.at(-1)?.toFixed(2)} s\n`
      )
    }
    const f = (xs: number[]) => xs.map(x => x.toFixed(2)).join(', ')
    lines.push(
      `| ${name} | ${median(ours).toFixed(2)} | ${f(ours)} | ${median(theirs).toFixed(2)} | ${f(theirs)} | ${(median(ours) / median(theirs)).toFixed(2)}x | ${median(probe).toFixed(2)} |`
    )
  }
  console.log(lines.join('\n'))
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
