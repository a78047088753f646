/**
 * The main step: inputs → plan → auth → build → publish → report.
 * The one place errors become the step's failure.
 */
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import * as core from '@actions/core'
import {verifyWithAcrSdk} from './acr'
import {Session, logIn} from './auth'
import {buildImage} from './build'
import {Docker, detectBuilder} from './docker'
import {createRunDockerConfig, userDockerConfigDir} from './docker-config'
import {ActionError, errorMessage} from './errors'
import {settleTags} from './floating-tags'
import {readGitHubContext} from './github-context'
import {getInputs} from './inputs'
import {planLogins} from './login-plan'
import {makePlan} from './plan'
import {prepareImage, DEFAULT_COMPRESSION} from './image-archive'
import {Published, planTargets, publishGraph, verifyAll} from './publish'
import {refWithTag} from './reference'
import {outputsOf, setOutputs, writeSummary} from './report'
import {State, save} from './state'

/** ACR registries are read back once more through the ACR SDK. */
async function verifyAzure(session: Session, published: readonly Published[]): Promise<void> {
  const acr = published.filter(p => session.azure.has(p.repository.registry))
  if (acr.length === 0) return
  await core.group('Verify with @azure/container-registry', async () => {
    for (const p of acr) {
      const {identity, cloud} = session.azure.get(p.repository.registry) ?? {}
      if (identity !== undefined && cloud !== undefined) {
        await verifyWithAcrSdk(p.repository.registry, p.repository.path, p.tags, p.digest, cloud, identity)
      }
    }
  })
}

export async function run(): Promise<void> {
  try {
    const ctx = readGitHubContext(process.env, process.cwd(), os.tmpdir())
    const inputs = getInputs(name => core.getInput(name), ctx, core.setSecret)
    const logins = inputs.push ? planLogins(inputs.images, inputs) : []
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
    save(State.DockerClient, builder.docker)
    const docker = new Docker(builder, configDir, process.env)

    let session: Session | undefined
    if (inputs.push) {
      session = await core.group('Log in', () => logIn(inputs, logins, docker, process.env))
      save(State.CloudLogins, JSON.stringify(session.cloudLogins))
    }

    const {tags, notes} = await core.group('Tags', async () => {
      const settled = await settleTags(plan, inputs.images, session?.clients)
      core.info(`Tags: ${settled.tags.join(', ') || '(none)'}`)
      return settled
    })
    const refs = inputs.images.flatMap(repo => tags.map(tag => refWithTag(repo, tag)))

    const workDir = fs.mkdtempSync(path.join(ctx.runnerTemp, 'stevedore-build-'))
    try {
      const imageId = await core.group('Build', () => buildImage(docker, inputs, plan.labels, refs, workDir))
      core.info(`Image ID: ${imageId}`)

      let published: Published[] = []
      if (session !== undefined) {
        const s = session
        const image = await core.group('Compress', async () => {
          const started = Date.now()
          const prepared = await prepareImage(docker.save(imageId), workDir, {...DEFAULT_COMPRESSION, level: inputs['compression-level']})
          const bytes = prepared.layers.reduce((n, l) => n + l.size, 0)
          core.info(`${prepared.layers.length} layer(s), ${prepared.tarBytes} bytes read, ${bytes} compressed, in ${Date.now() - started} ms; manifest ${prepared.manifest.digest}`)
          return prepared
        })
        const floating = new Set(plan.tags.floating.map(f => f.tag))
        const targets = await planTargets(s, inputs.images, tags, floating, imageId)
        const root = {...image.manifest, blobs: [image.config, ...image.layers], children: []}
        const chunk = inputs['upload-chunk-size']
        const pushed = await core.group('Push', () => publishGraph(root, targets, s.clients, chunk === undefined ? {} : {chunkSize: chunk}))
        published = await core.group('Verify', () => verifyAll(s.clients, targets, pushed))
        await verifyAzure(s, published)
      }

      const kept = published.flatMap(p => p.kept.map(k => k.reason))
      const outcome = {imageId, version: plan.version, tags, images: inputs.images, published, notes: [...notes, ...kept]}
      setOutputs(outputsOf(outcome))
      await writeSummary(outcome)
      for (const p of published) core.info(`${p.repository.name}@${p.digest}  tags: ${p.tags.join(', ')}`)
    } finally {
      fs.rmSync(workDir, {recursive: true, force: true})
    }
  } catch (e) {
    core.setFailed(errorMessage(e))
  }
}
