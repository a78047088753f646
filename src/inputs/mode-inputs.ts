/** What decides the mode: `source` (a registry's image or the engine's), `merge`, `push-by-digest`; and what a mode without a build refuses. */

import {BUILD_INPUTS} from './input-names'
import {InputReader, optional} from './reader'
import {givenByUser} from './defaults'
import {InputError} from '../errors'
import {parseBoolean} from './parsing'
import {parseCsvList} from './list-grammar'
import type {ImageReference} from '../registry/reference'
import {isValidDigest, parseReference} from '../registry/reference'

/** skopeo's name for an image the local engine holds. */
export const DAEMON = 'docker-daemon:'

/**
 * `source`: an image in a registry (a mirror), or one the engine holds (`docker-daemon:NAME`, as
 * skopeo names it), published as a build's result would be.
 */
export function readSource(read: InputReader, push: boolean): ImageReference | {readonly local: string} | undefined {
  const raw = optional(read('source'))
  if (raw === undefined) return undefined
  if (raw.startsWith(DAEMON)) {
    const local = raw.slice(DAEMON.length).trim()
    if (local === '' || /\s/.test(local) || local.startsWith('-'))
      throw new InputError(
        'source',
        `'${raw}' names no image; give docker-daemon:<name>[:<tag>], such as docker-daemon:orders:dev`
      )
    refuseBuildInputs(read)
    if (!push) throw new InputError('source', `publishes ${local} to 'images', which needs push: true`)
    return {local}
  }
  const ref = parseReference(raw)
  if (typeof ref === 'string')
    throw new InputError(
      'source',
      `${ref}. Expected an image such as ghcr.io/acme/orders:1.2.3 or ghcr.io/acme/orders@sha256:…`
    )
  refuseBuildInputs(read)
  if (!push) throw new InputError('source', `copies an image to 'images', which needs push: true`)
  return ref
}

/** With a source, nothing is built: a build input set to anything but its default is refused. */
function refuseBuildInputs(read: InputReader): void {
  const given = buildInputsGiven(read)
  if (given.length > 0) {
    throw new InputError(
      'source',
      `copies an existing image and builds nothing, so it does not go with ${given.map(g => `'${g}'`).join(', ')}; remove ${given.length === 1 ? 'it' : 'them'} or remove 'source'`
    )
  }
}

export function readMerge(read: InputReader, push: boolean, withSource: boolean): string[] {
  const digests = parseCsvList('merge', read('merge'))
  if (digests.length === 0) return []
  if (withSource) throw new InputError('merge', `does not go with 'source'; give one of them`)
  for (const d of digests) {
    if (!isValidDigest(d))
      throw new InputError(
        'merge',
        `'${d}' is not a digest; give one sha256:… per line, the digests of per-platform images`
      )
  }
  if (new Set(digests).size !== digests.length) throw new InputError('merge', `lists a digest twice`)
  const given = buildInputsGiven(read)
  if (given.length > 0)
    throw new InputError(
      'merge',
      `joins images that exist already and builds nothing, so it does not go with ${given.map(g => `'${g}'`).join(', ')}`
    )
  if (!push) throw new InputError('merge', `publishes an index to 'images', which needs push: true`)
  if (digests.length < 2)
    throw new InputError(
      'merge',
      `gives ${digests.length} digest; an index of one platform would be published as the release. ` +
        `Check that every platform job's digest output reaches this step (an empty expression gives no line); ` +
        `to publish a single image under more tags, use source: <repository>@<digest>`
    )
  return digests
}

/** `push-by-digest`: a build pushed untagged, so it takes no tags and no version. */
export function readPushByDigest(read: InputReader, push: boolean): boolean {
  const byDigest = parseBoolean('push-by-digest', read('push-by-digest'), false)
  if (!byDigest) return false
  if (!push) throw new InputError('push-by-digest', `pushes the image untagged, which needs push: true`)
  const other = ['source', 'merge'].find(name => read(name).trim() !== '')
  if (other !== undefined) throw new InputError('push-by-digest', `is for a build, and ${other} builds nothing`)
  const tagged = ['tags', 'version'].filter(name => givenByUser(name, read(name)))
  if (tagged.length > 0)
    throw new InputError(
      'push-by-digest',
      `pushes no tag, so it does not go with ${tagged.map(t => `'${t}'`).join(', ')}; the merge step gives the release its tags`
    )
  return true
}

/** The build inputs the user set: a value equal to the action.yml default is what every runner sends, not a choice. */
function buildInputsGiven(read: InputReader): string[] {
  return BUILD_INPUTS.filter(name => givenByUser(name, read(name)))
}
