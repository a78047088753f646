/**
 * The expressions metadata-action's tag rules and labels accept: `{{name}}`
 * and `{{date 'format' tz='Zone'}}` with moment.js format tokens. Pure.
 * Anything else is refused (TemplateError) rather than rendered empty.
 */

export class TemplateError extends Error {}

/** A value by name, or a date helper (`date`, `commit_date`) taking a format and a time zone. */
export type TemplateValue = string | {readonly date: Date}

const TOKEN = /\[[^\]]*\]|YYYY|YY|MMMM|MMM|MM|M|Do|DD|D|dddd|ddd|HH|H|hh|h|mm|m|ss|s|SSS|A|a|X|ZZ|Z/g
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December'
]
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']

const pad = (n: number, width = 2): string => String(n).padStart(width, '0')

function ordinal(n: number): string {
  const tens = n % 100
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th')
  return `${n}${suffix}`
}

/** The wall-clock fields of `date` in the IANA zone `tz`, and that zone's offset from UTC in minutes. */
function wallClock(date: Date, tz: string) {
  let parts: Intl.DateTimeFormatPart[]
  try {
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric'
    }).formatToParts(date)
  } catch {
    throw new TemplateError(`'${tz}' is not a time zone; use an IANA name such as UTC or Europe/Berlin`)
  }
  const get = (type: string) => Number(parts.find(p => p.type === type)?.value ?? 0)
  const f = {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour') % 24,
    minute: get('minute'),
    second: get('second')
  }
  const asUtc = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second)
  const offset = Math.round((asUtc - (date.getTime() - date.getUTCMilliseconds())) / 60000)
  const weekday = new Date(Date.UTC(f.year, f.month - 1, f.day)).getUTCDay()
  return {...f, offset, weekday}
}

/** `date` rendered with moment.js format tokens (`[text]` is literal) in the zone `tz`. */
export function formatDate(date: Date, format: string, tz = 'UTC'): string {
  const c = wallClock(date, tz)
  const sign = c.offset < 0 ? '-' : '+'
  const abs = Math.abs(c.offset)
  const hour12 = c.hour % 12 === 0 ? 12 : c.hour % 12
  // by moment.js token
  const values: Record<string, string> = {
    YYYY: String(c.year),
    YY: pad(c.year % 100),
    MMMM: MONTHS[c.month - 1] ?? '',
    MMM: (MONTHS[c.month - 1] ?? '').slice(0, 3),
    MM: pad(c.month),
    M: String(c.month),
    Do: ordinal(c.day),
    DD: pad(c.day),
    D: String(c.day),
    dddd: DAYS[c.weekday] ?? '',
    ddd: (DAYS[c.weekday] ?? '').slice(0, 3),
    HH: pad(c.hour),
    H: String(c.hour),
    hh: pad(hour12),
    h: String(hour12),
    mm: pad(c.minute),
    m: String(c.minute),
    ss: pad(c.second),
    s: String(c.second),
    SSS: pad(date.getUTCMilliseconds(), 3),
    A: c.hour < 12 ? 'AM' : 'PM',
    a: c.hour < 12 ? 'am' : 'pm',
    X: String(Math.floor(date.getTime() / 1000)),
    ZZ: `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`,
    Z: `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  }
  return format.replace(TOKEN, token => (token.startsWith('[') ? token.slice(1, -1) : (values[token] ?? token)))
}

const EXPRESSION = /\{\{\s*([^}]*?)\s*\}\}/g
const HELPER = /^([a-z_]+)\s+(['"])(.*?)\2(?:\s+tz\s*=\s*(['"])(.*?)\4)?$/

/** Renders `{{name}}` and `{{helper 'format' tz='Zone'}}` from `values`; anything else throws TemplateError. */
export function renderTemplate(template: string, values: Readonly<Record<string, TemplateValue>>): string {
  return template.replace(EXPRESSION, (whole, body: string) => {
    const helper = HELPER.exec(body)
    const name = helper?.[1] ?? body
    const value = Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined
    if (value === undefined)
      throw new TemplateError(`${whole} is not an expression here; accepted: ${Object.keys(values).join(', ')}`)
    if (typeof value === 'string') {
      if (helper !== null) throw new TemplateError(`${whole}: ${name} takes no arguments`)
      return value
    }
    if (helper === null) throw new TemplateError(`${whole}: ${name} needs a format, as in {{${name} 'YYYYMMDD'}}`)
    return formatDate(value.date, helper[3] ?? '', helper[5] ?? 'UTC')
  })
}

/** The expression names a template uses (`{{major}}.{{minor}}` → major, minor). */
export function namesIn(template: string): string[] {
  return [...template.matchAll(EXPRESSION)].map(m => (m[1] ?? '').split(/\s/)[0] ?? '')
}
