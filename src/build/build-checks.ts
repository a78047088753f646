/**
 * build-push-action's `call: check`: what `docker buildx build --call check,format=json` prints,
 * read into findings, each on its Dockerfile line. A rule's warning is a warning; what BuildKit
 * reports as the build's error (a Dockerfile that does not parse, or the rules `# check=error=true`
 * makes errors) is an error. Pure.
 */

export interface Finding {
  readonly level: 'warning' | 'error'
  /** the rule, or 'Build error' */
  readonly title: string
  readonly message: string
  /** the Dockerfile as BuildKit names it (relative to the context, or as given with --file) */
  readonly file: string | undefined
  readonly startLine: number | undefined
  readonly endLine: number | undefined
}

interface Range {
  start?: {line?: number}
  end?: {line?: number}
}
interface Location {
  sourceIndex?: number
  ranges?: Range[]
}
interface CheckOutput {
  warnings?: Array<{ruleName?: string; description?: string; url?: string; detail?: string; location?: Location}> | null
  sources?: Array<{filename?: string}> | null
  buildError?: {message?: string; location?: Location} | null
}

/** The JSON document buildx prints (stdout); undefined when there is none (buildx failed before checking). */
export function parseCheckOutput(stdout: string): Finding[] | undefined {
  const start = stdout.indexOf('{')
  if (start < 0) return undefined
  let doc: CheckOutput
  try {
    doc = JSON.parse(stdout.slice(start)) as CheckOutput
  } catch {
    return undefined
  }
  const sources = doc.sources ?? []
  const where = (loc: Location | undefined) => {
    const range = loc?.ranges?.[0]
    return {
      file: sources[loc?.sourceIndex ?? 0]?.filename,
      startLine: range?.start?.line,
      endLine: range?.end?.line ?? range?.start?.line
    }
  }
  const findings: Finding[] = (doc.warnings ?? []).map(w => ({
    level: 'warning' as const,
    title: `${w.ruleName ?? 'Build check'}: ${w.description ?? ''}`.replace(/: $/, ''),
    message: `${w.detail ?? w.description ?? ''}${w.url === undefined ? '' : ` (${w.url})`}`,
    ...where(w.location)
  }))
  if (doc.buildError?.message !== undefined) {
    const hasRange = (doc.buildError.location?.ranges ?? []).length > 0
    findings.push({
      level: 'error',
      title: 'Build error',
      message: doc.buildError.message,
      ...(hasRange
        ? where(doc.buildError.location)
        : {file: sources[0]?.filename, startLine: undefined, endLine: undefined})
    })
  }
  return findings
}
