/**
 * The one list grammar of the inputs, as docker/actions-toolkit's getInputList reads them for
 * build-push-action and metadata-action: entries one a line, blank lines and `#` comments
 * skipped; where an input takes comma lists too, each line is a CSV record whose double quotes
 * protect commas (`""` is a quote). Pure.
 */
import {InputError} from '../errors'

/** Entries one a line: blank lines and `#` comments skipped, each trimmed. */
export function parseList(raw: string): string[] {
  return raw
    .split(/\r?\n/)
    .map(s => s.trim())
    .filter(s => s !== '' && !s.startsWith('#'))
}

/** The CSV fields of one line of `input`, trimmed, empty ones dropped. */
export function csvFields(input: string, line: string): string[] {
  const fields: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      fields.push(field)
      field = ''
    } else field += c
  }
  if (quoted) throw new InputError(input, `'${line}': a double quote is not closed`)
  fields.push(field)
  return fields.map(f => f.trim()).filter(f => f !== '')
}

/** Entries one a line or comma-separated on a line (quotes protect commas). */
export function parseCsvList(input: string, raw: string): string[] {
  return parseList(raw).flatMap(line => csvFields(input, line))
}
