/**
 * Where a layer sits in a legacy `docker save` (Docker before 25) before its bytes arrive. Each layer
 * is a directory `<v1 id>/` whose `json` (read before its `layer.tar`: the archive is in name
 * order) names the layer's parent; the bottom layer has none. A layer's position is the length of
 * its chain of parents, known once every parent's `json` has been read. Pure: no I/O.
 */

/** `<v1 id>/json` or `<v1 id>/layer.tar` of a legacy save; undefined for other entries. */
export function legacyEntry(name: string): {readonly id: string; readonly file: 'json' | 'layer.tar'} | undefined {
  const m = /^([a-f0-9]{64})\/(json|layer\.tar)$/.exec(name)
  if (m === null) return undefined
  return {id: m[1] ?? '', file: m[2] === 'json' ? 'json' : 'layer.tar'}
}

/** The parent named by a legacy layer `json`: undefined for the bottom layer; null when the text is not one. */
export function parentOf(json: Buffer): string | undefined | null {
  try {
    const v = JSON.parse(json.toString('utf8')) as {id?: unknown; parent?: unknown}
    if (typeof v.id !== 'string') return null
    if (v.parent === undefined || v.parent === '') return undefined
    return typeof v.parent === 'string' ? v.parent : null
  } catch {
    return null
  }
}

export class LegacyChain {
  private readonly parents = new Map<string, string | undefined>()

  /** Records a layer's `json`: its parent, or undefined for the bottom layer. */
  add(id: string, parent: string | undefined): void {
    this.parents.set(id, parent)
  }

  /** The layer's position (0 = bottom) when its whole chain of parents is known, else undefined. */
  position(id: string): number | undefined {
    let current = id
    for (let depth = 0; depth <= this.parents.size; depth++) {
      if (!this.parents.has(current)) return undefined
      const parent = this.parents.get(current)
      if (parent === undefined) return depth
      current = parent
    }
    // a cycle: no real save has one
    return undefined
  }
}

/**
 * Whether an engine of this version saves the legacy layout (layers named by v1 IDs): Docker before
 * 25 does; 25 and later save an OCI layout, named by diff ID. A version that does not parse counts
 * as legacy: the only cost is one `docker image inspect`.
 */
export function savesLegacyLayout(engineVersion: string): boolean {
  const major = Number(/^(\d+)\./.exec(engineVersion.trim())?.[1] ?? NaN)
  return !(major >= 25)
}
