/** Settles `latest`, `X.Y` and `X` against the releases the registries already hold. */
import * as core from '@actions/core'
import type {Clients} from '../auth/auth'
import type {Plan} from './plan'
import type {Repository} from '../registry/reference'
import {decideFloating, finalTags} from './tags'

export async function settleTags(plan: Plan, images: readonly Repository[], clients: Clients | undefined): Promise<{tags: string[]; notes: string[]}> {
  const {version} = plan
  if (version === undefined || plan.tags.floating.length === 0) return {tags: finalTags(plan.tags, []), notes: []}
  const existing = new Map<string, string[]>()
  if (clients === undefined) {
    core.info(`Not pushing, so the registries were not asked for newer releases: ${plan.tags.floating.map(f => f.tag).join(', ')} assumed to move`)
  } else {
    for (const repo of images) {
      const client = clients.get(repo.registry)
      if (client !== undefined) existing.set(repo.name, await client.listTags(repo.path))
    }
  }
  const decisions = decideFloating(version, plan.tags.floating, existing)
  const notes: string[] = []
  for (const d of decisions) {
    if (d.move) {
      core.info(`'${d.tag}' moves to ${version}`)
    } else {
      const why = d.reason ?? `not moving '${d.tag}'`
      core.notice(why)
      notes.push(why)
    }
  }
  return {tags: finalTags(plan.tags, decisions), notes}
}
