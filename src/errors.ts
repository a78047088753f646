/**
 * An expected failure caused by what the user gave us: reported as one line,
 * without a stack trace.
 */
export class InputError extends Error {
  constructor(
    readonly input: string,
    detail: string
  ) {
    super(`Input '${input}': ${detail}`)
    this.name = 'InputError'
  }
}

/** An expected failure of the environment or a registry, worded for the user. */
export class ActionError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ActionError'
  }
}

/** The message to show for anything thrown; unexpected errors keep their stack. */
export function errorMessage(e: unknown): string {
  if (e instanceof InputError || e instanceof ActionError) return e.message
  if (e instanceof Error) return e.stack ?? e.message
  return String(e)
}
