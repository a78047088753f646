/** What the main step leaves for the post step. Never a token. */
import * as core from '@actions/core'

export enum State {
  /** the per-run docker config directory to remove */
  DockerConfigDir = 'docker-config-dir',
  /** the docker client that logged in */
  DockerClient = 'docker-client',
  /** JSON list of registries logged in with cloud tokens (ECR, ACR), to log out of */
  CloudLogins = 'cloud-logins',
  /** 'true' with logout: false: the config and its logins stay for later steps */
  KeepLogins = 'keep-logins',
  /** JSON list of this run's work folders under RUNNER_TEMP (secrets, spool), removed by the post step */
  WorkDirs = 'work-dirs'
}

export function save(key: State, value: string): void {
  core.saveState(key, value)
}

export function load(key: State): string {
  return core.getState(key)
}
