/** The post step: remove what the main step wrote. Warns, never fails the job. */
import * as core from '@actions/core'
import {removeRunDockerConfig} from './docker-config'
import {errorMessage} from './errors'
import {State, load} from './state'

export async function cleanup(): Promise<void> {
  try {
    const dir = load(State.DockerConfigDir)
    if (dir !== '') {
      removeRunDockerConfig(dir)
      core.info(`Removed this run's docker config ${dir}`)
    }
  } catch (e) {
    core.warning(`Cleanup: ${errorMessage(e)}`)
  }
}
