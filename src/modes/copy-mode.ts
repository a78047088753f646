/** Mirror and merge: an image or index registries already hold, published with no engine at all. */

import {facts, finish, logInGroup, outcomeOf, phase, publishAndVerify, runDockerLogins, tagsGroup} from './steps'
import * as core from '@actions/core'
import {Session} from '../auth/auth'
import type {CommonInputs, MergeInputs, MirrorInputs} from '../inputs/inputs'
import {LoginMethod} from '../auth/login-plan'
import {mergeGraph} from '../publish/merge'
import {cancelSpool, imageIdOf, loadSourceGraph} from '../publish/mirror'
import {makeWorkDir, removeWorkDir} from '../work-dirs'
import {Plan} from '../plan/plan'
import {ManifestNode, blobsOf} from '../oci/oci'
import {UploadOptions} from '../publish/uploader'

export async function mirrorMode(
  inputs: MirrorInputs,
  plan: Plan,
  logins: readonly LoginMethod[],
  runnerTemp: string
): Promise<void> {
  const {source} = inputs
  // several registries: each source blob is read once, spooled here, and sent on to every one from
  // there; one registry reads each blob once anyway (later repositories mount it): straight through
  const several = new Set(inputs.images.map(r => r.registry)).size > 1
  const spool = several ? {dir: makeWorkDir(runnerTemp, 'stevedore-mirror-'), blobs: new Map()} : undefined
  try {
    await publishExisting(inputs, plan, logins, runnerTemp, 'Source', async session => {
      const client = session.client(source.repository.registry)
      const root = await loadSourceGraph(client, source, spool)
      const what =
        root.children.length > 0
          ? `an index of ${root.children.length} image(s)`
          : `an image of ${root.blobs.length} blob(s)`
      const named = `${source.repository.name}${source.digest ? `@${source.digest}` : `:${source.tag ?? ''}`}`
      facts.source = named
      core.info(`${named} is ${what}, ${root.digest}`)
      const origin = {
        registry: source.repository.registry,
        path: source.repository.path,
        digests: blobsOf(root).map(b => b.digest)
      }
      return {root, imageId: imageIdOf(root), origins: [origin]}
    })
  } finally {
    if (spool !== undefined) {
      // a download still running would keep the process and write into the removed folder
      await cancelSpool(spool)
      removeWorkDir(spool.dir)
    }
  }
}

export async function mergeMode(
  inputs: MergeInputs,
  plan: Plan,
  logins: readonly LoginMethod[],
  runnerTemp: string
): Promise<void> {
  await publishExisting(inputs, plan, logins, runnerTemp, 'Merge', async session => {
    const {root, origins, platforms} = await mergeGraph(inputs.merge, inputs.images, session.clients)
    facts.platforms = platforms
    core.info(
      `index of ${root.children.length} image(s): ${root.digest}; ${platforms.map(p => `${p.platform} ${p.digest}`).join(', ')}`
    )
    return {root, imageId: '', origins}
  })
}

/**
 * Mirror and merge: publish a graph that registries already hold. No docker:
 * the registry clients carry the credentials.
 */
async function publishExisting(
  inputs: CommonInputs,
  plan: Plan,
  logins: readonly LoginMethod[],
  runnerTemp: string,
  name: string,
  load: (
    session: Session
  ) => Promise<{root: ManifestNode; imageId: string; origins: NonNullable<UploadOptions['origins']>}>
): Promise<void> {
  // no docker here, unless later steps are to keep the logins (logout: false): the docker on PATH writes them
  const docker = inputs.logout ? undefined : runDockerLogins(runnerTemp, inputs)
  const session = await logInGroup(inputs, logins, docker)
  const {tags, notes} = await tagsGroup(plan, inputs, session)
  const {root, imageId, origins} = await phase(name, () => load(session))
  const result = await publishAndVerify(session, inputs, {plan, root, tags, imageId}, {origins})
  await finish(outcomeOf(plan, inputs, {imageId, tags, notes, ...result}, undefined))
}
