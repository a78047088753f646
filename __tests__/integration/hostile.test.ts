/**
 * A hostile or broken registry gets nothing and holds nothing: every attempt of an attacker's
 * review, run through the bundled action (main, then post) on Docker 20.10 where a build is
 * needed. Registries are real (distribution 2.8); hostile-registry.ts misbehaves in front of
 * them. Throughout, no request to another origin than the registry's own (and its token realm)
 * carries a credential.
 */
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import {createHash} from 'crypto'
import {ActionRun, ROOT, errors, runAction} from '../support/action'
import {HostileRegistry, startHostileRegistry} from '../support/hostile-registry'
import {writeMultiPlatformLayout} from '../support/oci-layout'
import {Tls, makeTls} from '../support/pki'
import {TestRegistry, startRegistry} from '../support/registry'
import {TokenServer, fullAccess, startTokenServer} from '../support/token-server'
import {docker, rawManifest, requireEngine, skopeoCopy} from '../support/tools'

const srcUser = {username: 'source-bot', password: 'S0urce-Pa55'}
const destUser = {username: 'dest-bot', password: 'D3st-Pa55'}
const bearerUser = {username: 'bearer-bot', password: 'B3arer-Pa55'}
const spaced = {username: 'spaced-bot', password: '  spaced pass  '}

let dir: string
let open: TestRegistry
let open2: TestRegistry
let withSourceUser: TestRegistry
let withDestUser: TestRegistry
let tokens: TokenServer
let withBearer: TestRegistry
let tls: Tls
const hostiles: HostileRegistry[] = []
let children: string[] = []

async function hostile(upstream: TestRegistry, secure = false): Promise<HostileRegistry> {
  const h = await startHostileRegistry(upstream.host, secure ? tls : undefined)
  hostiles.push(h)
  return h
}

const entry = (host: string, c: {username: string; password: string}): string =>
  `- registry: ${host}\n  username: ${JSON.stringify(c.username)}\n  password: ${JSON.stringify(c.password)}\n`

/** The registry tags of a repository, read directly (none when it does not exist). */
async function tagsOf(registry: TestRegistry, repo: string): Promise<string[]> {
  const res = await fetch(`http://${registry.host}/v2/${repo}/tags/list`)
  if (res.status !== 200) return []
  return ((await res.json()) as {tags?: string[] | null}).tags ?? []
}

/** The log as the runner shows it: a new line at \r as well as at \n. */
const runnerLines = (run: ActionRun): string[] => run.stdout.split(/\r\n|\r|\n/)

/**
 * No stack trace: an expected failure is a line a user can act on (a publish adds one per
 * registry that failed before the step's own).
 */
function expectOneLineFailure(run: ActionRun, message: RegExp): void {
  expect(run.exitCode).not.toBe(0)
  const errs = errors(run)
  expect(errs.length).toBeGreaterThan(0)
  expect(errs.some(e => message.test(e))).toBe(true)
  for (const e of errs) expect(e).not.toMatch(/\n\s+at /)
}

beforeAll(async () => {
  await requireEngine()
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-hostile-'))
  tls = makeTls()
  tokens = await startTokenServer({[bearerUser.username]: fullAccess(bearerUser.password)})
  ;[open, open2, withSourceUser, withDestUser, withBearer] = await Promise.all([
    startRegistry(),
    startRegistry(),
    startRegistry({users: {[srcUser.username]: srcUser.password}}),
    startRegistry({users: {[destUser.username]: destUser.password, [spaced.username]: spaced.password}}),
    startRegistry({token: tokens})
  ])
  const layout = path.join(dir, 'layout')
  await writeMultiPlatformLayout(
    layout,
    '1.0',
    [
      {os: 'linux', architecture: 'amd64'},
      {os: 'linux', architecture: 'arm64'}
    ],
    `hostile-${Date.now()}`
  )
  await skopeoCopy(`oci:${layout}:1.0`, `docker://${open.host}/src/multi:1.0`)
  await skopeoCopy(`oci:${layout}:1.0`, `docker://${withSourceUser.host}/src/multi:1.0`, srcUser)
  const raw = await rawManifest(`${open.host}/src/multi:1.0`)
  children = (raw.json.manifests as Array<{digest: string}>).map(m => m.digest)
}, 60_000)

afterAll(async () => {
  for (const h of hostiles) expect(h.credentialsElsewhere()).toEqual([])
  await Promise.all(hostiles.map(h => h.stop()))
  await Promise.all([open, open2, withSourceUser, withDestUser, withBearer].map(r => r?.stop()))
  await tokens?.stop()
  fs.rmSync(dir, {recursive: true, force: true})
  if (tls !== undefined) fs.rmSync(tls.dir, {recursive: true, force: true})
})

describe('credentials go only to the host they belong to', () => {
  test("images' username/password never reach a mirror's source: it is read anonymously, or with its own entry", async () => {
    const source = await hostile(withSourceUser)
    const images = `${withDestUser.host}/mirror/creds`
    const anonymous = await runAction({
      source: `${source.host}/src/multi:1.0`,
      images,
      username: destUser.username,
      password: destUser.password,
      tags: 'copy'
    })
    expectOneLineFailure(anonymous, new RegExp(`${source.host} asks for a username and password and none was given`))
    expect(source.seen.filter(s => s.authorization !== undefined)).toEqual([])

    const own = await runAction({
      source: `${source.host}/src/multi:1.0`,
      images,
      username: destUser.username,
      password: destUser.password,
      'registry-auth': entry(source.host, srcUser),
      tags: 'copy'
    })
    expect(errors(own)).toEqual([])
    const seen = source.seen.filter(s => s.authorization !== undefined).map(s => s.authorization)
    expect(seen.length).toBeGreaterThan(0)
    const basic = `Basic ${Buffer.from(`${srcUser.username}:${srcUser.password}`).toString('base64')}`
    expect(new Set(seen)).toEqual(new Set([basic]))
  })

  test.each(['basic', 'bearer'] as const)('an upload Location on another origin gets no %s credentials', async kind => {
    const upstream = kind === 'basic' ? withDestUser : withBearer
    const dest = await hostile(upstream)
    dest.misbehave({kind: 'off-host-location'})
    const run = await runAction({
      source: `${open.host}/src/multi:1.0`,
      images: `${dest.host}/mirror/offhost-${kind}`,
      'registry-auth': entry(dest.host, kind === 'basic' ? destUser : bearerUser),
      tags: 'copy'
    })
    // the session elsewhere gets no credentials, so the registry behind it refuses the upload
    expect(run.exitCode).not.toBe(0)
    expect(dest.seen.some(s => s.where === 'elsewhere')).toBe(true)
    expect(dest.credentialsElsewhere()).toEqual([])
    // the registry's own origin did get them: they were there to be sent
    expect(dest.seen.some(s => s.where === 'registry' && s.authorization !== undefined)).toBe(true)
  })

  test('https → http is refused: an upload session placed on plain http is never contacted', async () => {
    const dest = await hostile(open, true)
    dest.misbehave({kind: 'off-host-location', downgrade: true})
    const run = await runAction(
      {source: `${open.host}/src/multi:1.0`, images: `${dest.host}/mirror/downgrade`, tags: 'copy'},
      {env: {NODE_EXTRA_CA_CERTS: tls.caFile}}
    )
    expect(run.exitCode).not.toBe(0)
    expect(errors(run).join('\n')).toMatch(/sent us from https to plain http/)
    expect(dest.seen.filter(s => s.where === 'elsewhere')).toEqual([])
    expect(dest.seen.some(s => s.where === 'registry' && s.method === 'POST')).toBe(true)
  })
})

describe('what a registry serves is verified', () => {
  test('merge refuses a manifest served for another digest; nothing is tagged anywhere', async () => {
    const swapped = await hostile(open)
    swapped.misbehave({kind: 'swap-manifest', digest: children[0] ?? '', with: children[1] ?? ''})
    const run = await runAction(
      {merge: children.join('\n'), images: `${swapped.host}/src/multi\n${open2.host}/merged/swap`},
      {env: {GITHUB_REF: 'refs/tags/v4.0.0'}}
    )
    expectOneLineFailure(run, new RegExp(`${children[0]} was served as ${children[1]}, another manifest; refused`))
    expect(await tagsOf(open2, 'merged/swap')).toEqual([])
    expect(await tagsOf(open, 'src/multi')).toEqual(['1.0'])
  })

  test("mirror refuses an index's child served as another manifest", async () => {
    const swapped = await hostile(open)
    swapped.misbehave({kind: 'swap-manifest', digest: children[1] ?? '', with: children[0] ?? ''})
    const run = await runAction({
      source: `${swapped.host}/src/multi:1.0`,
      images: `${open2.host}/mirror/swap`,
      tags: 'copy'
    })
    expectOneLineFailure(run, new RegExp(`${children[1]} was served as ${children[0]}, another manifest; refused`))
    expect(await tagsOf(open2, 'mirror/swap')).toEqual([])
  })
})

describe('every answer is bounded', () => {
  test('an endless manifest fails within 60 s, the action staying under 300 MB', async () => {
    const endless = await hostile(open)
    endless.misbehave({kind: 'endless-manifest'})
    const rss = path.join(dir, 'endless-rss')
    const started = Date.now()
    const run = await runAction(
      {source: `${endless.host}/src/multi:1.0`, images: `${open2.host}/mirror/endless`, tags: 'copy'},
      {wrap: step => (step === 'main' ? ['/usr/bin/time', '-f', '%M', '-o', rss] : [])}
    )
    const seconds = (Date.now() - started) / 1000
    expectOneLineFailure(run, /goes on past the 4194304 bytes accepted/)
    expect(seconds).toBeLessThan(60)
    const peakKb = Number(fs.readFileSync(rss, 'utf8').trim().split('\n').pop())
    expect(peakKb).toBeLessThan(300 * 1024)
    console.log(`endless manifest: failed in ${seconds.toFixed(1)} s, peak RSS ${(peakKb / 1024).toFixed(0)} MB`)
  })

  test('a tag list whose pages loop ends with a clear failure', async () => {
    const looping = await hostile(open)
    looping.misbehave({kind: 'looping-tags'})
    const run = await runAction({
      source: `${open.host}/src/multi:1.0`,
      images: `${looping.host}/mirror/loop`,
      version: '1.0.0'
    })
    expectOneLineFailure(run, /the tag list of mirror\/loop leads back to a page already read/)
    expect(looping.seen.filter(s => s.url.includes('/tags/list')).length).toBeLessThan(5)
  })

  test('a source blob longer than its size fails the mirror; the spool is gone and the step exits', async () => {
    const over = await hostile(open)
    over.misbehave({kind: 'oversized-blob', extra: 64 << 20})
    const started = Date.now()
    const run = await runAction({
      source: `${over.host}/src/multi:1.0`,
      images: `${open.host}/copy/over\n${open2.host}/copy/over`,
      tags: 'copy'
    })
    expect(run.exitCode).not.toBe(0)
    expect(errors(run).join('\n')).toMatch(/goes on past its \d+ bytes; refused|more than the blob's \d+ bytes/)
    expect((Date.now() - started) / 1000).toBeLessThan(60)
    expect(fs.readdirSync(run.runnerTemp).filter(f => f.startsWith('stevedore-mirror-'))).toEqual([])
    expect(await tagsOf(open2, 'copy/over')).toEqual([])
  })

  // the three wait on deadlines and budgets, so they run side by side
  test('a dripping manifest, a registry that never answers, and 503 forever even with Retry-After: 60 each fail in bounded time', async () => {
    const [drip, silent, down] = [await hostile(open), await hostile(open), await hostile(open)]
    drip.misbehave({kind: 'drip-manifest'})
    silent.misbehave({kind: 'silent'})
    down.misbehave({kind: 'unavailable', retryAfter: '60'})
    const timed = async (inputs: Record<string, string>) => {
      const started = Date.now()
      const run = await runAction({tags: 'copy', ...inputs})
      return {run, seconds: (Date.now() - started) / 1000}
    }
    const [dripped, silenced, refused] = await Promise.all([
      timed({source: `${drip.host}/src/multi:1.0`, images: `${open2.host}/mirror/slow`}),
      timed({source: `${silent.host}/src/multi:1.0`, images: `${open2.host}/mirror/slow`}),
      timed({source: `${open.host}/src/multi:1.0`, images: `${down.host}/mirror/down`})
    ])
    expectOneLineFailure(dripped.run, /the answer was not read whole within 30 s/)
    expectOneLineFailure(silenced.run, /no answer within 30 s/)
    expect(dripped.seconds).toBeLessThan(60)
    expect(silenced.seconds).toBeLessThan(60)
    expect(refused.run.exitCode).not.toBe(0)
    expect(errors(refused.run).join('\n')).toMatch(
      /HTTP 503 .*\(not tried again: 60 s of waiting for 127\.0\.0\.1:\d+ spent in this step\)/
    )
    expect(refused.seconds).toBeLessThan(120)
    console.log(
      `drip: ${dripped.seconds.toFixed(1)} s; silence: ${silenced.seconds.toFixed(1)} s; ` +
        `503 forever: ${refused.seconds.toFixed(1)} s after ${down.seen.length} requests`
    )
  }, 150_000)
})

describe('what a registry says cannot break out', () => {
  test('a realm that is not a URL, and a token service answering HTML: one line each, no stack trace', async () => {
    const badRealm = await hostile(open)
    badRealm.misbehave({kind: 'bad-realm'})
    const notJson = await hostile(open)
    notJson.misbehave({kind: 'token-not-json'})
    const [realm, html] = await Promise.all(
      [badRealm, notJson].map(h =>
        runAction({source: `${open.host}/src/multi:1.0`, images: `${h.host}/mirror/auth`, tags: 'copy'})
      )
    )
    expectOneLineFailure(realm as ActionRun, /names a token realm that is not a URL: 'not a url at all'/)
    expectOneLineFailure(
      html as ActionRun,
      /token service at http:\/\/127\.0\.0\.1:\d+: the answer is not JSON \(HTTP 200\)/
    )
    expect(errors(html as ActionRun)[0]).not.toContain('Sign in')
  })

  test("a registry's error text is escaped in the job summary", async () => {
    const html = await hostile(open)
    html.misbehave({kind: 'html-error'})
    const run = await runAction({
      source: `${open.host}/src/multi:1.0`,
      images: `${html.host}/mirror/html\n${open2.host}/mirror/html`,
      tags: 'copy'
    })
    expect(run.exitCode).not.toBe(0)
    expect(run.summary).toContain('&lt;img src=&quot;https://evil.example/x.png&quot;&gt;')
    expect(run.summary).not.toMatch(/<img|<a href|^#+ Injected|<\/td><\/tr><\/table>\s*\n\s*\n/m)
  })
})

describe('inputs that would reach the log, a context or a command line', () => {
  test('a carriage return in build-args is refused: no workflow command reaches a line start', async () => {
    const run = await runAction({
      context: '__tests__/fixtures/multistage',
      push: 'false',
      images: 'stevedore-test/cr',
      'build-args': 'NOTE=hello\r::warning title=x::y\r'
    })
    expectOneLineFailure(run, /^Input 'build-args': line 1 holds a control character \(U\+000d, a carriage return\)/)
    expect(runnerLines(run).filter(l => l.startsWith('::warning'))).toEqual([])
  })

  test('a repository description with line breaks stays one label line and one log line', async () => {
    const event = path.join(dir, 'event.json')
    fs.writeFileSync(
      event,
      JSON.stringify({repository: {description: 'Orders\n::error::fake error\nevil=1', default_branch: 'main'}})
    )
    const run = await runAction(
      {
        context: '__tests__/fixtures/multistage',
        push: 'false',
        images: 'stevedore-test/description',
        network: 'none',
        'build-args': `GREETING=description-${Date.now()}`
      },
      {env: {GITHUB_EVENT_PATH: event}}
    )
    expect(errors(run)).toEqual([])
    expect(runnerLines(run).filter(l => l.startsWith('::error::fake'))).toEqual([])
    const labels = (run.outputs.labels ?? '').split('\n')
    expect(labels).toContain('org.opencontainers.image.description=Orders ::error::fake error evil=1')
    expect(labels).not.toContain('evil=1')
  })

  test.each(['0', '99999'])('port %s in images is refused before anything is built', async port => {
    const run = await runAction({images: `127.0.0.1:${port}/acme/orders`, context: '__tests__/fixtures/multistage'})
    expectOneLineFailure(run, /^Input 'images': '127\.0\.0\.1:\d+\/acme\/orders' has an invalid registry host/)
    expect(run.stdout).not.toContain('::group::Build')
  })

  test('secret-envs naming an unset variable is refused before anything is built', async () => {
    const run = await runAction({
      context: '__tests__/fixtures/multistage',
      push: 'false',
      images: 'stevedore-test/unset',
      'secret-envs': 'token=STEVEDORE_SURELY_UNSET'
    })
    expectOneLineFailure(
      run,
      /^Input 'secret-envs': 'token': the environment variable STEVEDORE_SURELY_UNSET is not set/
    )
    expect(run.stdout).not.toContain('::group::Build')
  })

  test('a secret-files path with commas reaches the build whole', async () => {
    const stamp = `comma-${Date.now()}`
    const file = path.join(dir, 'a,secret,file')
    fs.writeFileSync(file, `value-${stamp}`)
    const run = await runAction({
      context: '__tests__/fixtures/secret-file',
      push: 'false',
      images: 'stevedore-test/comma',
      tags: stamp,
      network: 'none',
      'build-args': `STAMP=${stamp}`,
      'secret-files': `comma=${file}`
    })
    expect(errors(run)).toEqual([])
    const hash = await docker(['run', '--rm', '--network=none', `docker.io/stevedore-test/comma:${stamp}`])
    expect(hash).toBe(createHash('sha256').update(`value-${stamp}`).digest('hex'))
  })

  test('a quoted registry-auth password keeps its leading and trailing spaces', async () => {
    const run = await runAction({
      source: `${open.host}/src/multi:1.0`,
      images: `${withDestUser.host}/mirror/spaced`,
      'registry-auth': `- registry: ${withDestUser.host}\n  username: ${spaced.username}\n  password: "${spaced.password}"`,
      tags: 'copy'
    })
    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
  })

  test.each(['context', 'file', 'build-contexts'] as const)(
    'a %s that leads through a symbolic link outside the workspace is refused',
    async input => {
      const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-outside-'))
      fs.writeFileSync(path.join(outside, 'Dockerfile'), 'FROM stevedore-local/busybox:latest\n')
      const link = path.join(ROOT, '__tests__', 'fixtures', `.link-${process.pid}-${input}`)
      fs.symlinkSync(input === 'file' ? path.join(outside, 'Dockerfile') : outside, link)
      try {
        const rel = path.relative(ROOT, link)
        const run = await runAction({
          push: 'false',
          images: 'stevedore-test/link',
          ...(input === 'context'
            ? {context: rel}
            : input === 'file'
              ? {context: '__tests__/fixtures/multistage', file: rel}
              : {context: '__tests__/fixtures/multistage', 'build-contexts': `extra=${rel}`})
        })
        expectOneLineFailure(run, new RegExp(`^Input '${input}': '${rel}' leads through a symbolic link to ${outside}`))
        expect(run.stdout).not.toContain('::group::Build')
      } finally {
        fs.rmSync(link)
        fs.rmSync(outside, {recursive: true, force: true})
      }
    }
  )
})

describe('a cancelled step leaves no secret behind', () => {
  const slowBuild = (stamp: string) => ({
    context: '__tests__/fixtures/secret-file',
    file: '__tests__/fixtures/secret-file/Dockerfile.slow',
    push: 'false',
    images: 'stevedore-test/cancel',
    network: 'none',
    'build-args': `STAMP=${stamp}`,
    secrets: `comma=plaintext-${stamp}`
  })
  const leftovers = (runnerTemp: string) => fs.readdirSync(runnerTemp).filter(f => f.startsWith('stevedore-build-'))

  // both wait for a build to be under way, so they run side by side
  test('SIGINT during the build (as a runner cancels) removes the work folder and its secret file at once; after a kill, the post step does', async () => {
    const [interrupted, killed] = await Promise.all([
      runAction(slowBuild(`sigint-${Date.now()}`), {
        post: false,
        wrap: step => (step === 'main' ? ['timeout', '--signal=INT', '8'] : [])
      }),
      runAction(slowBuild(`sigkill-${Date.now()}`), {
        wrap: step => (step === 'main' ? ['timeout', '--signal=KILL', '8'] : [])
      })
    ])
    expect(interrupted.exitCode).not.toBe(0)
    expect(errors(interrupted).join('\n')).toMatch(
      /Cancelled \(SIGINT\): this run's work folders under RUNNER_TEMP were removed/
    )
    expect(leftovers(interrupted.runnerTemp)).toEqual([])

    expect(killed.exitCode).not.toBe(0)
    expect(JSON.parse(killed.state['work-dirs'] ?? '[]')).toHaveLength(1)
    expect(killed.post?.stdout).toMatch(/Removed .*stevedore-build-.*, left by the main step/)
    expect(leftovers(killed.runnerTemp)).toEqual([])
  }, 60_000)
})
