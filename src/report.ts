/** Outputs and the job summary. */
import * as core from '@actions/core'
import {refWithDigest} from './registry/reference'
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
  /** metadata-action's sep-tags, sep-labels and sep-annotations (default a line break each) */
  readonly separators?: Separators
}

export interface Separators {
  readonly tags: string
  readonly labels: string
  readonly annotations: string
}

const LINES: Separators = {tags: '\n', labels: '\n', annotations: '\n'}

/**
 * Annotations in metadata-action's order: by level (in the order DOCKER_METADATA_ANNOTATIONS_LEVELS
 * names them, manifest first by default), then by key.
 */
export function sortAnnotations(annotations: readonly string[]): string[] {
  const parts = (a: string) => {
    const eq = a.indexOf('=')
    const head = eq < 0 ? a : a.slice(0, eq)
    const colon = head.indexOf(':')
    return colon < 0 ? {level: 'manifest', key: head} : {level: head.slice(0, colon), key: head.slice(colon + 1)}
  }
  const levels = [...new Set(annotations.map(a => parts(a).level))]
  return [...annotations].sort((a, b) => {
    const [x, y] = [parts(a), parts(b)]
    return levels.indexOf(x.level) - levels.indexOf(y.level) || x.key.localeCompare(y.key)
  })
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
  // as metadata-action names them: each repository as written (acme/orders, not docker.io/acme/orders)
  const asWritten = (repo: Repository, tag: string) => `${repo.written ?? repo.name}:${tag}`
  const fullTags =
    o.published.length > 0
      ? o.published.flatMap(p => p.tags.map(tag => asWritten(p.repository, tag)))
      : o.images.flatMap(repo => o.tags.map(tag => asWritten(repo, tag)))
  const sep = o.separators ?? LINES
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
  const annotations = sortAnnotations(o.annotations)
  return {
    labels: labels.map(([k, v]) => `${k}=${v}`).join(sep.labels),
    annotations: annotations.join(sep.annotations),
    'tag-names': tagNames.join(sep.tags),
    json: JSON.stringify({
      tags: fullTags,
      'tag-names': tagNames,
      labels: Object.fromEntries(labels),
      annotations
    }),
    digest,
    imageid: o.imageId,
    version: o.version ?? '',
    tags: fullTags.join(sep.tags),
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

/**
 * Every output, and (as metadata-action does, unless DOCKER_METADATA_SET_OUTPUT_ENV is false) the
 * same as DOCKER_METADATA_OUTPUT_<NAME> for later steps.
 */
export function setOutputs(outputs: Outputs, env: NodeJS.ProcessEnv = process.env): void {
  const toEnv = !/^(false|0|no|off)$/i.test((env.DOCKER_METADATA_SET_OUTPUT_ENV ?? '').trim())
  for (const [name, value] of Object.entries(outputs)) {
    core.setOutput(name, value)
    if (toEnv) core.exportVariable(`DOCKER_METADATA_OUTPUT_${name.replace(/\W/g, '_').toUpperCase()}`, value)
  }
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

/** What the run was, for the summary's header line: where it came from, and how long it took. */
export interface RunFacts {
  /** the commit the workflow ran on */
  readonly commit: string
  /** the image copied (mirror), as given */
  readonly source?: string
  /** the platforms of a merged index, `os/arch[/variant]` each with its image's digest */
  readonly platforms?: ReadonlyArray<{readonly platform: string; readonly digest: string}>
  /** whether anything was to be pushed */
  readonly push: boolean
  /** each phase and its seconds, in order */
  readonly timings: ReadonlyArray<{readonly phase: string; readonly seconds: number}>
}

/** The summary's heading: what happened, in a few words. */
export function summaryHeading(o: Outcome, run: RunFacts): string {
  if (!run.push) return `stevedore: built ${o.version ?? o.tags[0] ?? 'the image'}, not pushed`
  const what = o.version ?? o.tags[0] ?? 'the image'
  if (o.failed.length > 0)
    return `stevedore: ${what} NOT published everywhere (${o.published.length} of ${o.published.length + o.failed.length} repositories)`
  return `stevedore: ${what} published to ${o.published.length} ${o.published.length === 1 ? 'repository' : 'repositories'}`
}

/** One line: version, commit, digest, platforms or source, total time. */
export function summaryFacts(o: Outcome, run: RunFacts): string {
  const total = run.timings.reduce((n, t) => n + t.seconds, 0)
  const digests = [...new Set(o.published.map(p => p.digest))]
  const facts = [
    o.version !== undefined ? `<b>Version</b> <code>${summaryText(o.version)}</code>` : undefined,
    run.commit !== '' ? `<b>Commit</b> <code>${summaryText(run.commit.slice(0, 12))}</code>` : undefined,
    digests.length === 1 ? `<b>Digest</b> <code>${summaryText(digests[0] ?? '')}</code>` : undefined,
    o.imageId !== '' && !run.push ? `<b>Image</b> <code>${summaryText(o.imageId)}</code>` : undefined,
    run.source !== undefined ? `<b>Source</b> <code>${summaryText(run.source)}</code>` : undefined,
    run.platforms !== undefined && run.platforms.length > 0
      ? `<b>Platforms</b> ${run.platforms.map(p => summaryText(p.platform)).join(', ')}`
      : undefined,
    `<b>Took</b> ${total.toFixed(1)} s`
  ]
  return facts.filter(f => f !== undefined).join(' · ')
}

export async function writeSummary(o: Outcome, run: RunFacts): Promise<void> {
  core.summary.addHeading(summaryText(summaryHeading(o, run)), 3)
  core.summary.addRaw(summaryFacts(o, run), true)
  const sameTags = o.published.every(p => p.tags.join(' ') === o.published[0]?.tags.join(' '))
  const tagCode = (tags: readonly string[]) => tags.map(t => `<code>${summaryText(t)}</code>`).join(' ')
  if (o.published.length > 0) {
    if (sameTags) core.summary.addRaw(`<b>Tags</b> ${tagCode(o.published[0]?.tags ?? [])}`, true)
    core.summary.addTable([
      [
        {data: 'Repository', header: true},
        ...(sameTags ? [] : [{data: 'Tags', header: true}]),
        {data: 'Pull by digest', header: true},
        {data: 'Compressed size', header: true},
        {data: 'Blobs', header: true}
      ],
      ...o.published.map(p => [
        summaryText(p.repository.name),
        ...(sameTags ? [] : [tagCode(p.tags)]),
        `<code>docker pull ${summaryText(`${p.repository.name}@${p.digest}`)}</code>`,
        formatBytes(p.compressedSize),
        `${p.stats.uploaded} uploaded (${formatBytes(p.stats.uploadedBytes)}), ${p.stats.mounted} mounted, ${p.stats.present} already there`
      ])
    ])
  } else if (!run.push) {
    core.summary.addRaw(`Not pushed (push: false); tagged in the engine as ${tagCode(o.tags) || 'no tags'}`, true)
  }
  if (run.platforms !== undefined && run.platforms.length > 0) {
    core.summary.addTable([
      [
        {data: 'Platform', header: true},
        {data: 'Image digest', header: true}
      ],
      ...run.platforms.map(p => [summaryText(p.platform), `<code>${summaryText(p.digest)}</code>`])
    ])
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
  if (run.timings.length > 0)
    core.summary.addDetails(
      'Phase timings',
      run.timings.map(t => `${summaryText(t.phase)} ${t.seconds.toFixed(2)} s`).join(' · ')
    )
  const notes = [...o.notes, ...o.published.flatMap(p => p.kept.map(k => k.reason))]
  if (notes.length > 0) core.summary.addList(notes.map(summaryText))
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.write()
}
