/**
 * metadata-action's annotations: the OCI metadata it also gives as labels, once per level that
 * DOCKER_METADATA_ANNOTATIONS_LEVELS names (default `manifest`), as `level:key=value`. An
 * annotation the user gives for the same key and level wins. Pure.
 */
import {ActionError} from '../errors'
import type {Labels} from './labels'

export const ANNOTATION_LEVELS = ['manifest', 'index', 'manifest-descriptor', 'index-descriptor'] as const
export type AnnotationLevel = (typeof ANNOTATION_LEVELS)[number]

/** The levels named by DOCKER_METADATA_ANNOTATIONS_LEVELS (comma-separated); unset or empty: manifest. */
export function parseAnnotationLevels(raw: string | undefined): AnnotationLevel[] {
  const names = (raw ?? '')
    .split(',')
    .map(s => s.trim())
    .filter(s => s !== '')
  if (names.length === 0) return ['manifest']
  for (const name of names) {
    if (!(ANNOTATION_LEVELS as readonly string[]).includes(name)) {
      throw new ActionError(
        `DOCKER_METADATA_ANNOTATIONS_LEVELS: '${name}' is not a level; use ${ANNOTATION_LEVELS.join(', ')} (comma-separated)`
      )
    }
  }
  return [...new Set(names)] as AnnotationLevel[]
}

/** `[level[,level]:]key=value` of the annotations input: its levels (none: manifest) and key. */
function levelsAndKey(line: string): {levels: string[]; key: string} {
  const eq = line.indexOf('=')
  const head = eq < 0 ? line : line.slice(0, eq)
  const colon = head.indexOf(':')
  if (colon < 0) return {levels: ['manifest'], key: head}
  return {levels: head.slice(0, colon).split(','), key: head.slice(colon + 1)}
}

export function metadataAnnotations(
  oci: Labels,
  levels: readonly AnnotationLevel[],
  user: readonly string[]
): string[] {
  const given = new Set(
    user.flatMap(line => {
      const {levels: at, key} = levelsAndKey(line)
      return at.map(level => `${level}:${key}`)
    })
  )
  return levels.flatMap(level =>
    Object.entries(oci)
      .filter(([key]) => !given.has(`${level}:${key}`))
      .map(([key, value]) => `${level}:${key}=${value}`)
  )
}
