/**
 * build-push-action's `call: check`: the Dockerfile's build checks run by BuildKit, each finding
 * an annotation on its Dockerfile line (as GitHub reads `::warning file=…,line=…::`), errors fail
 * the step, and nothing is built or pushed.
 */
import {errors, runAction} from '../support/action'
import {engine} from '../support/engines'
import {TestRegistry, startRegistry} from '../support/registry'
import {requireEngine} from '../support/tools'

let registry: TestRegistry
beforeAll(async () => {
  await requireEngine()
  registry = await startRegistry({})
})
afterAll(async () => registry?.stop())

const DIR = '__tests__/fixtures/checks'
const check = (file: string, name: Parameters<typeof engine>[0] = 'd28-classic') =>
  runAction(
    {images: `${registry.host}/checks/never`, call: 'check', context: DIR, file: `${DIR}/${file}`},
    {env: engine(name).env}
  )

/** The workflow commands of annotations, as `level file:line title` rows. */
function annotations(stdout: string): string[] {
  return stdout.split('\n').flatMap(l => {
    const m = /^::(warning|error) (.*?)::/.exec(l)
    if (m === null) return []
    const props = Object.fromEntries((m[2] ?? '').split(',').map(p => p.split('=') as [string, string]))
    return [`${m[1]} ${props.file}:${props.line ?? '-'} ${(props.title ?? '').split('%3A')[0]}`]
  })
}

async function catalog(): Promise<string[]> {
  const res = await fetch(`http://${registry.host}/v2/_catalog`)
  return ((await res.json()) as {repositories: string[]}).repositories
}

describe('call: check', () => {
  test('warnings: one annotation on each line; the step passes and pushes nothing', async () => {
    const run = await check('Dockerfile')
    expect(errors(run)).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(annotations(run.stdout)).toEqual([
      `warning ${DIR}/Dockerfile:3 FromAsCasing`,
      `warning ${DIR}/Dockerfile:4 LegacyKeyValueFormat`,
      `warning ${DIR}/Dockerfile:6 JSONArgsRecommended`
    ])
    expect(run.stdout).toContain(
      `Build checks: 0 error(s), 3 warning(s) in ${DIR}/Dockerfile. Nothing was built or pushed`
    )
    expect(run.stdout).not.toMatch(/::group::(Build|Push)/)
    expect(await catalog()).toEqual([])
  })

  test('# check=error=true: the findings, and the error that fails the step', async () => {
    const run = await check('Dockerfile.strict', 'd28-containerd')
    expect(run.exitCode).toBe(1)
    expect(annotations(run.stdout)).toEqual([
      `warning ${DIR}/Dockerfile.strict:3 FromAsCasing`,
      `warning ${DIR}/Dockerfile.strict:4 JSONArgsRecommended`,
      `error ${DIR}/Dockerfile.strict:- Build error`
    ])
    expect(errors(run)).toEqual([
      `Build checks: 1 error(s), 2 warning(s) in ${DIR}/Dockerfile.strict. Nothing was built or pushed`
    ])
  })

  test('a Dockerfile that does not parse: an error on its line', async () => {
    const run = await check('Dockerfile.broken')
    expect(run.exitCode).toBe(1)
    expect(annotations(run.stdout)).toEqual([`error ${DIR}/Dockerfile.broken:2 Build error`])
    expect(run.stdout).toContain('unknown instruction: RUNN')
  })

  test('a clean Dockerfile: no annotation', async () => {
    const run = await check('Dockerfile.clean')
    expect(errors(run)).toEqual([])
    expect(annotations(run.stdout)).toEqual([])
    expect(run.stdout).toContain('Build checks: 0 error(s), 0 warning(s)')
  })

  test("Docker 20.10's BuildKit: refused, naming what would make it work", async () => {
    const run = await check('Dockerfile', 'docker20')
    expect(errors(run)).toEqual([
      "Input 'call': check needs buildx, and this engine builds with the engine's built-in BuildKit: set up buildx (docker/setup-buildx-action), which every hosted runner has"
    ])
  })
})
