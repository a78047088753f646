/** What the main step leaves for the post step. Never a token. */
import * as core from '@actions/core'

export enum State {
  /** the per-run docker config directory to remove */
  DockerConfigDir = 'docker-config-dir'
}

export function save(key: State, value: string): void {
  core.saveState(key, value)
}

export function load(key: State): string {
  return core.getState(key)
}
