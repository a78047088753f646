/**
 * Tags on repositories that refuse to move a tag (ECR IMMUTABLE). Pure: what
 * the registry holds is passed in.
 *
 * - a tag that does not exist yet is pushed;
 * - a tag that already holds this very image (same manifest, or same config digest) is kept, with a notice;
 * - a floating tag (latest, X.Y, X) that holds another image stays where it is, with a notice;
 * - any other tag that holds another image is a conflict: the publish fails before anything is pushed.
 */

export interface ExistingTag {
  readonly digest: string
  /** the image config digest (the image ID); undefined for an index */
  readonly config: string | undefined
}

export interface KeptTag {
  readonly tag: string
  readonly digest: string
  /** true when the tag already holds this image */
  readonly same: boolean
  readonly reason: string
}

export interface ImmutablePlan {
  readonly push: string[]
  readonly kept: KeptTag[]
  readonly conflicts: string[]
}

export function planImmutableTags(
  repo: string,
  tags: readonly string[],
  floating: ReadonlySet<string>,
  existing: ReadonlyMap<string, ExistingTag>,
  image: {readonly digest: string; readonly id: string}
): ImmutablePlan {
  const plan: ImmutablePlan = {push: [], kept: [], conflicts: []}
  for (const tag of tags) {
    const found = existing.get(tag)
    if (found === undefined) {
      plan.push.push(tag)
    } else if (found.digest === image.digest || (found.config !== undefined && found.config === image.id)) {
      plan.kept.push({
        tag,
        digest: found.digest,
        same: true,
        reason: `${repo}:${tag} already holds this image (${found.digest}); skipped`
      })
    } else if (floating.has(tag)) {
      plan.kept.push({
        tag,
        digest: found.digest,
        same: false,
        reason: `${repo} is immutable: '${tag}' stays at ${found.digest} and does not move to this release`
      })
    } else {
      plan.conflicts.push(
        `${repo}:${tag} already exists as ${found.digest} (image ${found.config ?? 'an index'}), and this image is ${image.digest} (image ${image.id || 'an index'}); ` +
          `the repository is immutable, so the tag cannot be moved`
      )
    }
  }
  return plan
}
