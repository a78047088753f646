/** Settles `latest`, `X.Y` and `X` against the releases the registries already hold, asked through the listers given. */
import type {Repository} from '../registry/reference'
import type {Plan} from './plan'
import {FloatingDecision, decideFloating, finalTags} from './tags'

/** What settling needs of a registry: the tags of a repository. */
export interface TagLister {
  listTags(path: string): Promise<string[]>
}

export interface SettledTags {
  readonly tags: string[]
  /** one per floating tag; none when there is no version */
  readonly decisions: readonly FloatingDecision[]
  /** false when no registry was asked (not pushing): every floating tag was taken to move */
  readonly asked: boolean
  /** the tags each repository (by name) was found to hold, where it was asked */
  readonly listed: ReadonlyMap<string, string[]>
}

/** `listers` by registry; undefined when not pushing, so no registry is asked. */
export async function settleTags(
  plan: Plan,
  images: readonly Repository[],
  listers: ReadonlyMap<string, TagLister> | undefined
): Promise<SettledTags> {
  const {version} = plan
  if (version === undefined || plan.tags.floating.length === 0)
    return {tags: finalTags(plan.tags, []), decisions: [], asked: false, listed: new Map()}
  const existing = new Map<string, string[]>()
  if (listers !== undefined) {
    // every repository at once: through a runner's link each listing is a round trip
    const listed = await Promise.all(
      images.map(async repo => {
        const lister = listers.get(repo.registry)
        return lister === undefined ? undefined : ([repo.name, await lister.listTags(repo.path)] as const)
      })
    )
    for (const l of listed) if (l !== undefined) existing.set(l[0], l[1])
  }
  const decisions = decideFloating(version, plan.tags.floating, existing)
  return {tags: finalTags(plan.tags, decisions), decisions, asked: listers !== undefined, listed: existing}
}
