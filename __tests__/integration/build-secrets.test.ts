/**
 * Build secrets and SSH on every engine: `secrets`, `secret-files` and
 * `secret-envs` reach RUN --mount=type=secret, and `ssh: default` forwards
 * the runner's agent; no secret is in the image, the log, a command line or
 * a file left behind.
 */
import {ChildProcess, execFile, spawn} from 'child_process'
import {createHash} from 'crypto'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import {promisify} from 'util'
import {errors, runAction} from '../support/action'
import {ENGINE_NAMES, engine} from '../support/engines'
import {waitFor} from '../support/ports'
import {requireEngine} from '../support/tools'

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex')
let dir: string
let agent: ChildProcess
let agentSocket: string

beforeAll(async () => {
  await requireEngine()
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-secrets-'))
  agentSocket = path.join(dir, 'agent.sock')
  agent = spawn('ssh-agent', ['-D', '-a', agentSocket], {stdio: 'ignore'})
  await waitFor('ssh-agent', () => Promise.resolve(fs.existsSync(agentSocket)), 5000)
})
afterAll(() => {
  agent?.kill()
  fs.rmSync(dir, {recursive: true, force: true})
})

describe.each(ENGINE_NAMES)('on %s', name => {
  test('secrets reach the build and are nowhere afterwards', async () => {
    const e = engine(name)
    const stamp = `${name}-${Date.now()}`
    const values = {pip_token: `pip-${stamp}-Q7x`, from_file: `file-${stamp}-Z9k`, from_env: `env-${stamp}-W3m`}
    const secretFile = path.join(dir, `file-${stamp}`)
    fs.writeFileSync(secretFile, values.from_file)
    const tag = `stevedore-test/secrets:${stamp}`
    const run = await runAction(
      {
        context: '__tests__/fixtures/secrets',
        network: 'none',
        'build-args': `STAMP=${stamp}`,
        push: 'false',
        tags: stamp,
        images: 'stevedore-test/secrets',
        secrets: `pip_token=${values.pip_token}`,
        'secret-files': `from_file=${secretFile}`,
        'secret-envs': 'from_env=STEVEDORE_TEST_SECRET',
        ssh: 'default'
      },
      {env: {...e.env, STEVEDORE_TEST_SECRET: values.from_env, SSH_AUTH_SOCK: agentSocket}}
    )
    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)

    // each secret reached its RUN (its hash is in the image), and the agent was forwarded
    const out = await e.docker(['run', '--rm', '--network=none', `docker.io/${tag}`])
    expect(out.split('\n')).toEqual([
      sha256(values.pip_token),
      sha256(values.from_file),
      sha256(values.from_env),
      'forwarded'
    ])

    // no secret in any layer or the config of the image
    const saved = path.join(dir, `${stamp}.tar`)
    await promisify(execFile)('sh', ['-c', `docker save -o '${saved}' 'docker.io/${tag}'`], {
      env: {...process.env, ...e.env}
    })
    const bytes = fs.readFileSync(saved)
    for (const v of Object.values(values)) expect([v, bytes.includes(v)]).toEqual([v, false])

    // the value given inline is masked in the log and on no command line the log shows; none is left in runner temp
    const log = `${run.stdout}\n${run.stderr}`
    expect(log).toContain(`::add-mask::${values.pip_token}`)
    expect(log.split('\n').filter(l => l.includes(values.pip_token) && !l.startsWith('::add-mask::'))).toEqual([])
    for (const v of [values.from_file, values.from_env]) expect(log).not.toContain(v)
    const leftovers = fs.readdirSync(run.runnerTemp, {recursive: true, withFileTypes: true}).filter(f => f.isFile())
    for (const f of leftovers) {
      const text = fs.readFileSync(path.join(f.parentPath, f.name), 'utf8')
      for (const v of Object.values(values)) expect([f.name, text.includes(v)]).toEqual([f.name, false])
    }
    await e.docker(['image', 'rm', `docker.io/${tag}`])
  })
})
