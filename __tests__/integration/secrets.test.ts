/**
 * No secret leaks: a publish with distinctive passwords and tokens (Basic,
 * Bearer, an ECR token) while every program started is traced with its argv; then
 * the step's output and everything on disk are searched for them.
 */
import {randomBytes} from 'crypto'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import {errors, runAction} from '../support/action'
import {AwsServer, startAwsServer} from '../support/aws-server'
import {OidcServer, startOidcServer} from '../support/oidc-server'
import {TestRegistry, startRegistries} from '../support/registry'
import {TokenServer, fullAccess, startTokenServer} from '../support/token-server'
import {requireEngine} from '../support/tools'

const mark = () => `LEAKCHECK${randomBytes(10).toString('hex')}`
const basic = {username: 'basic-user', password: mark()}
const bearer = {username: 'bearer-user', password: mark()}
const ecrToken = mark()
const awsKey = {id: 'AKIALEAKCHECK0000001', secret: mark()}
let registries: TestRegistry[] = []
let tokens: TokenServer
let aws: AwsServer
let oidc: OidcServer

beforeAll(async () => {
  await requireEngine()
  tokens = await startTokenServer({[bearer.username]: fullAccess(bearer.password)})
  registries = await startRegistries([
    {users: {[basic.username]: basic.password}},
    {token: tokens},
    {users: {AWS: ecrToken}}
  ])
  oidc = await startOidcServer()
  aws = await startAwsServer({
    registryPassword: ecrToken,
    registryEndpoint: `http://${registries[2]?.host}`,
    webIdentityToken: oidc.tokenFor('sts.amazonaws.com')
  })
  aws.addKey(awsKey.id, {secret: awsKey.secret})
  aws.repos.set('leak/check', {name: 'leak/check', registryId: aws.account, mutability: 'MUTABLE', scanOnPush: false})
})
afterAll(async () => {
  await Promise.all(registries.map(r => r.stop()))
  await tokens?.stop()
  await aws?.stop()
  await oidc?.stop()
})

/**
 * Every program the step and its children start, with its whole argv: the step runs under
 * `strace -f -e trace=execve`, which records each exec as it happens (nothing is sampled).
 */
function traceExecs(dir: string): {wrap: (step: string) => string[]; argvs: () => string[]} {
  return {
    wrap: step => ['strace', '-f', '-qq', '-e', 'trace=execve', '-s', '1000000', '-o', path.join(dir, `${step}.trace`)],
    argvs: () =>
      fs
        .readdirSync(dir)
        .filter(f => f.endsWith('.trace'))
        .flatMap(f => fs.readFileSync(path.join(dir, f), 'utf8').split('\n'))
        .filter(l => l.includes('execve('))
  }
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, {withFileTypes: true}).flatMap(e => {
    const p = path.join(dir, e.name)
    return e.isDirectory() ? filesUnder(p) : e.isFile() ? [p] : []
  })
}

test('no password or token appears on a command line, unmasked in the output, or on disk after the post step', async () => {
  const secrets = [basic.password, bearer.password, ecrToken, awsKey.secret]
  const encoded = [
    `${basic.username}:${basic.password}`,
    `${bearer.username}:${bearer.password}`,
    `AWS:${ecrToken}`
  ].map(s => Buffer.from(s).toString('base64'))
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-home-'))
  const [r0, r1, r2] = registries.map(r => r.host)
  const traces = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-execs-'))
  const execs = traceExecs(traces)
  const run = await runAction(
    {
      images: [`${r0}/leak/check`, `${r1}/leak/check`, `${r2}/leak/check`].join('\n'),
      context: '__tests__/fixtures/multistage',
      'build-args': `GREETING=secrets-${Date.now()}`,
      network: 'none',
      username: basic.username,
      password: basic.password,
      'registry-auth': [
        `- registry: ${r1}`,
        `  username: ${bearer.username}`,
        `  password: ${bearer.password}`,
        `- registry: ${r2}`,
        `  type: ecr`,
        `  region: eu-west-1`
      ].join('\n')
    },
    {
      env: {
        HOME: home,
        GITHUB_REF: 'refs/tags/v9.9.9',
        ...aws.env,
        AWS_ACCESS_KEY_ID: awsKey.id,
        AWS_SECRET_ACCESS_KEY: awsKey.secret,
        AWS_CONFIG_FILE: '/nonexistent',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent'
      },
      wrap: execs.wrap
    }
  )
  const commandLines = execs.argvs()
  try {
    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(run.post?.exitCode).toBe(0)
    // the trace saw the action's processes: both steps, docker login and logout
    expect(commandLines.some(c => c.includes('dist/index.js'))).toBe(true)
    expect(commandLines.some(c => c.includes('dist/post/index.js'))).toBe(true)
    expect(commandLines.filter(c => /\/docker", "login"/.test(c)).length).toBe(3)
    expect(commandLines.some(c => /\/docker", "logout"/.test(c))).toBe(true)

    const leaks = (text: string) => [...secrets, ...encoded].filter(s => text.includes(s))
    expect(commandLines.flatMap(leaks)).toEqual([])

    // every secret we were given or fetched was masked, and appears nowhere else in the output
    for (const s of [basic.password, bearer.password, ecrToken]) expect(run.stdout).toContain(`::add-mask::${s}`)
    const output = [run.stdout, run.stderr, run.post?.stdout ?? '', run.post?.stderr ?? '']
      .join('\n')
      .split('\n')
      .filter(l => !l.startsWith('::add-mask::'))
    expect(output.flatMap(leaks)).toEqual([])

    // nothing left on disk: runner temp (after the post step), the home directory, the runner's files
    const onDisk = [...filesUnder(run.runnerTemp), ...filesUnder(home)].filter(
      f => leaks(fs.readFileSync(f, 'latin1')).length > 0
    )
    expect(onDisk).toEqual([])
    expect(fs.readdirSync(run.runnerTemp).filter(f => f.startsWith('stevedore-'))).toEqual([])
  } finally {
    fs.rmSync(home, {recursive: true, force: true})
    fs.rmSync(traces, {recursive: true, force: true})
  }
})
