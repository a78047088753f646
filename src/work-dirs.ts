/**
 * This run's folders under RUNNER_TEMP (build secrets, the builder's output, the mirror spool, the
 * intake): each is recorded in state as it is made, so the post step removes what the main step
 * could not; and removed at once when the runner cancels the step (SIGINT, then SIGTERM).
 */
import * as fs from 'fs'
import * as path from 'path'
import * as core from '@actions/core'
import {State, load, save} from './state'

const live = new Set<string>()
const made: string[] = []
let handling = false

/** Removes every folder still live, synchronously: what a signal handler can still do. */
function removeAll(): void {
  for (const dir of live) {
    try {
      fs.rmSync(dir, {recursive: true, force: true})
    } catch (e) {
      core.debug(`${dir} not removed: ${e instanceof Error ? e.message : String(e)}`)
    }
    live.delete(dir)
  }
}

let cancelled = false

/**
 * Stays registered for every later signal: a listener removed after the first (process.once) would
 * hand a second SIGINT (a runner's, or `timeout`'s to the process group) to the default action,
 * which ends the step before it removes anything or says why.
 */
function onSignal(signal: NodeJS.Signals): void {
  if (cancelled) return
  cancelled = true
  removeAll()
  core.setFailed(`Cancelled (${signal}): this run's work folders under RUNNER_TEMP were removed`)
  process.exit(1)
}

/** A new folder of this run under `runnerTemp`, removed on cancellation and by the post step. */
export function makeWorkDir(runnerTemp: string, prefix: string): string {
  if (!handling) {
    handling = true
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  }
  const dir = fs.mkdtempSync(path.join(runnerTemp, prefix))
  live.add(dir)
  made.push(dir)
  save(State.WorkDirs, JSON.stringify(made))
  return dir
}

/** Removes a folder made by makeWorkDir. */
export function removeWorkDir(dir: string): void {
  fs.rmSync(dir, {recursive: true, force: true})
  live.delete(dir)
}

/** The folders the main step recorded (the post step's view). */
export function recorded(): string[] {
  const raw = load(State.WorkDirs)
  if (raw === '') return []
  try {
    const list = JSON.parse(raw) as unknown
    return Array.isArray(list) ? list.filter((d): d is string => typeof d === 'string') : []
  } catch (e) {
    core.debug(`state ${State.WorkDirs} is not a list: ${e instanceof Error ? e.message : String(e)}`)
    return []
  }
}
