/** Outputs and the job summary. */
import * as core from '@actions/core'
import {refWithDigest, refWithTag} from './registry/reference'
import type {Published} from './publish/publish'
import type {Repository} from './registry/reference'

/** A repository the publish did not reach, and why. */
export interface Failed {
  readonly repository: Repository
  readonly error: string
}

export interface Outcome {
  readonly imageId: string
  readonly version: string | undefined
  readonly tags: readonly string[]
  readonly images: readonly Repository[]
  readonly published: readonly Published[]
  /** why tags did not move (registry tags ahead); kept tags' reasons come with `published` */
  readonly notes: readonly string[]
  /** repositories that were not published to */
  readonly failed: readonly Failed[]
  /** the labels the image was built with (none when an existing image was published) */
  readonly labels: Readonly<Record<string, string>>
  /** the annotations BuildKit wrote, `[level:]key=value` as given */
  readonly annotations: readonly string[]
}

export interface Outputs {
  readonly digest: string
  readonly imageid: string
  readonly version: string
  readonly tags: string
  readonly refs: string
  readonly digests: string
  readonly metadata: string
  readonly labels: string
  readonly annotations: string
  readonly 'tag-names': string
  readonly json: string
}

/** The action's outputs, as strings. Pure. */
export function outputsOf(o: Outcome): Outputs {
  const fullTags =
    o.published.length > 0
      ? o.published.flatMap(p => p.tags.map(tag => refWithTag(p.repository, tag)))
      : o.images.flatMap(repo => o.tags.map(tag => refWithTag(repo, tag)))
  const digests: Record<string, string> = {}
  for (const p of o.published) digests[p.repository.name] = p.digest
  const digest = o.published[0]?.digest ?? ''
  const refs = o.published.map(p => refWithDigest(p.repository, p.digest))
  const metadata = {
    digest,
    imageid: o.imageId,
    version: o.version ?? '',
    tags: fullTags,
    refs,
    digests,
    sizes: Object.fromEntries(o.published.map(p => [p.repository.name, p.compressedSize ?? null])),
    blobs: Object.fromEntries(o.published.map(p => [p.repository.name, p.stats])),
    failed: Object.fromEntries(o.failed.map(f => [f.repository.name, f.error]))
  }
  // metadata-action's shapes: key=value lines sorted by key, and {tags, labels, annotations}
  const labels = Object.entries(o.labels).sort(([a], [b]) => a.localeCompare(b))
  const tagNames = [...new Set(o.published.length > 0 ? o.published.flatMap(p => p.tags) : o.tags)]
  return {
    labels: labels.map(([k, v]) => `${k}=${v}`).join('\n'),
    annotations: o.annotations.join('\n'),
    'tag-names': tagNames.join('\n'),
    json: JSON.stringify({tags: fullTags, labels: Object.fromEntries(labels), annotations: o.annotations}),
    digest,
    imageid: o.imageId,
    version: o.version ?? '',
    tags: fullTags.join('\n'),
    refs: refs.join('\n'),
    digests: JSON.stringify(digests),
    metadata: JSON.stringify(metadata)
  }
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined) return 'unknown'
  const units = ['B', 'KiB', 'MiB', 'GiB']
  let v = n
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`
}

export function setOutputs(outputs: Outputs): void {
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value)
}

/**
 * Text for the job summary (markdown around HTML): markup escaped, and on one line, since a blank
 * line would end the HTML table and let what follows be read as markdown. Registries write error
 * texts, so nothing they say can add a heading, a link or an image.
 */
export function summaryText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/[[\]!*_`#|]/g, c => `&#${c.charCodeAt(0)};`)
    .replace(/\s+/g, ' ')
    .trim()
}

export async function writeSummary(o: Outcome): Promise<void> {
  const rows = o.published.map(p => [
    summaryText(p.repository.name),
    p.tags.map(t => `<code>${summaryText(t)}</code>`).join(' '),
    `<code>${summaryText(p.digest)}</code>`,
    formatBytes(p.compressedSize),
    `${p.stats.uploaded} uploaded (${formatBytes(p.stats.uploadedBytes)}), ${p.stats.mounted} mounted, ${p.stats.present} already there`
  ])
  core.summary.addHeading(
    o.failed.length === 0 ? 'stevedore: image published' : 'stevedore: image NOT published everywhere',
    3
  )
  if (rows.length > 0) {
    core.summary.addTable([
      [
        {data: 'Repository', header: true},
        {data: 'Tags', header: true},
        {data: 'Digest', header: true},
        {data: 'Compressed size', header: true},
        {data: 'Blobs', header: true}
      ],
      ...rows
    ])
  } else {
    core.summary.addRaw(summaryText(`Built ${o.imageId} (not pushed): ${o.tags.join(', ') || 'no tags'}`), true)
  }
  if (o.failed.length > 0) {
    core.summary.addRaw('Not published:', true)
    core.summary.addTable([
      [
        {data: 'Repository', header: true},
        {data: 'Error', header: true}
      ],
      ...o.failed.map(f => [summaryText(f.repository.name), summaryText(f.error)])
    ])
  }
  const notes = [...o.notes, ...o.published.flatMap(p => p.kept.map(k => k.reason))]
  if (notes.length > 0) core.summary.addList(notes.map(summaryText))
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.write()
}
