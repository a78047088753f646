/** How inputs are read: one raw input by name, and an empty one as none. */

/** Reads one raw input by name (core.getInput in the action, a map in tests). */
export type InputReader = (name: string) => string

export function optional(raw: string): string | undefined {
  const v = raw.trim()
  return v === '' ? undefined : v
}
