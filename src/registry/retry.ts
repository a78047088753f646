/** When and how long to wait before trying a registry request again. Pure, except the injected sleep. */

export interface RetryPolicy {
  /** tries in all, the first included */
  readonly attempts: number
  readonly baseMs: number
  readonly capMs: number
  readonly sleep: (ms: number) => Promise<void>
  /** 0 ≤ r < 1, for jitter */
  readonly random: () => number
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 8,
  baseMs: 250,
  capMs: 8000,
  sleep: ms => new Promise(resolve => setTimeout(resolve, ms)),
  random: Math.random
}

/** 429 and the 5xx answers that say "try again". */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 500 || status === 502 || status === 503 || status === 504
}

const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED'
])

/** A connection-level failure worth another try (fetch wraps the cause). */
export function isRetryableError(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur !== undefined && cur !== null && depth < 5; depth++) {
    const code = (cur as {code?: unknown}).code
    if (typeof code === 'string' && RETRYABLE_CODES.has(code)) return true
    if (cur instanceof Error && /socket hang up|other side closed|terminated/i.test(cur.message)) return true
    cur = (cur as {cause?: unknown}).cause
  }
  return false
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined
  const seconds = Number(header.trim())
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const date = Date.parse(header)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/**
 * The wait before try `attempt + 1` (attempt counts from 1): the server's
 * Retry-After when it gives one (capped at a minute), else capped
 * exponential backoff with full jitter.
 */
export function retryDelay(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseMs' | 'capMs' | 'random'>,
  retryAfter: string | null,
  now: number
): number {
  const asked = retryAfterMs(retryAfter, now)
  if (asked !== undefined) return Math.min(asked, 60_000)
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1))
  return Math.floor(policy.random() * ceiling)
}
