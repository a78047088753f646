/**
 * The main step: inputs → plan → auth → build → publish → report.
 * The one place errors become the step's failure.
 */
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import * as core from '@actions/core'
import {Clients, logIn} from './auth'
import {buildImage} from './build'
import {Docker, detectBuilder} from './docker'
import {createRunDockerConfig, userDockerConfigDir} from './docker-config'
import {ActionError, errorMessage} from './errors'
import {settleTags} from './floating-tags'
import {readGitHubContext} from './github-context'
import {getInputs} from './inputs'
import {makePlan} from './plan'
import {pushAll, verifyAll} from './publish'
import {refWithTag} from './reference'
import {outputsOf, setOutputs, writeSummary} from './report'
import {State, save} from './state'

export async function run(): Promise<void> {
  try {
    const ctx = readGitHubContext(process.env, process.cwd(), os.tmpdir())
    const inputs = getInputs(name => core.getInput(name), ctx, core.setSecret)
    const plan = makePlan(inputs, ctx, new Date())
    if (inputs.push && plan.tags.fixed.length + plan.tags.floating.length === 0) {
      throw new ActionError(
        'No tags to push: this is neither a tag nor a branch build. Set `version` or `tags`.'
      )
    }

    const {builder} = await core.group('Docker', async () => {
      const found = await detectBuilder(process.env)
      for (const p of found.probes) core.info(`${p.path}: client ${p.clientVersion ?? 'does not run'}, buildx ${p.buildx ? 'yes' : 'no'}`)
      core.info(`Building with ${found.builder.docker} (${found.builder.kind}); engine ${found.server}`)
      return found
    })
    const configDir = createRunDockerConfig(ctx.runnerTemp, userDockerConfigDir(process.env))
    save(State.DockerConfigDir, configDir)
    const docker = new Docker(builder, configDir, process.env)

    let clients: Clients | undefined
    if (inputs.push) clients = await core.group('Log in', () => logIn(inputs, docker))

    const {tags, notes} = await core.group('Tags', async () => {
      const settled = await settleTags(plan, inputs.images, clients)
      core.info(`Tags: ${settled.tags.join(', ') || '(none)'}`)
      return settled
    })
    const refs = inputs.images.flatMap(repo => tags.map(tag => refWithTag(repo, tag)))

    const workDir = fs.mkdtempSync(path.join(ctx.runnerTemp, 'stevedore-build-'))
    const imageId = await core.group('Build', () => buildImage(docker, inputs, plan.labels, refs, workDir))
    fs.rmSync(workDir, {recursive: true, force: true})
    core.info(`Image ID: ${imageId}`)

    let published: Awaited<ReturnType<typeof verifyAll>> = []
    if (clients !== undefined) {
      const verified = clients
      const pushed = await core.group('Push', () => pushAll(docker, inputs.images, tags))
      published = await core.group('Verify', () => verifyAll(verified, inputs.images, tags, pushed))
    }

    const outcome = {imageId, version: plan.version, tags, images: inputs.images, published, notes}
    setOutputs(outputsOf(outcome))
    await writeSummary(outcome)
    for (const p of published) core.info(`${p.repository.name}@${p.digest}  tags: ${p.tags.join(', ')}`)
  } catch (e) {
    core.setFailed(errorMessage(e))
  }
}
