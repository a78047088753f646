/** Builds the image once, tagged with every ref it will be pushed as. */
import * as fs from 'fs'
import * as path from 'path'
import * as core from '@actions/core'
import {buildArguments} from './build-command'
import {cacheArguments} from './cache-options'
import type {Docker} from './docker'
import {ActionError} from '../errors'
import type {Inputs} from '../inputs/inputs'
import type {Labels} from '../plan/labels'

export async function buildImage(
  docker: Docker,
  inputs: Inputs,
  labels: Labels,
  refs: readonly string[],
  workDir: string
): Promise<string> {
  const iidFile = path.join(workDir, 'iid')
  const cache = cacheArguments(docker.builder.kind, inputs['cache-from'], inputs['cache-to'])
  if (typeof cache === 'string')
    throw new ActionError(`${cache}. Set up buildx (docker/setup-buildx-action) or change the cache inputs.`)
  const args = buildArguments(docker.builder.kind, {inputs, labels, refs, iidFile, cache})
  core.info(`${docker.builder.docker} ${args.join(' ')}`)
  await docker.build(args, inputs.context)
  const imageId = fs.existsSync(iidFile) ? fs.readFileSync(iidFile, 'utf8').trim() : ''
  if (!/^sha256:[a-f0-9]{64}$/.test(imageId)) throw new ActionError('The build finished but wrote no image ID')
  return imageId
}
