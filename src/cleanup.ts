/**
 * The post step: log out of the registries logged in with cloud tokens, then
 * remove this run's docker config, unless `logout: false` kept it for later
 * steps. Warns, never fails the job.
 */
import * as fs from 'fs'
import * as core from '@actions/core'
import {removeRunDockerConfig} from './auth/docker-config'
import {errorMessage} from './errors'
import {run} from './exec'
import {State, load} from './state'
import {recorded} from './work-dirs'

export async function cleanup(): Promise<void> {
  // work folders a cancelled main step left (build secrets, the mirror spool); normally gone already
  for (const dir of recorded()) {
    try {
      if (!fs.existsSync(dir)) continue
      fs.rmSync(dir, {recursive: true, force: true})
      core.info(`Removed ${dir}, left by the main step`)
    } catch (e) {
      core.warning(`Cleanup of ${dir}: ${errorMessage(e)}`)
    }
  }
  try {
    const dir = load(State.DockerConfigDir)
    if (dir === '') return
    if (load(State.KeepLogins) === 'true') {
      core.info(
        `logout: false - kept ${dir} and its logins for later steps; the runner empties RUNNER_TEMP when the job ends`
      )
      return
    }
    const docker = load(State.DockerClient) || 'docker'
    const cloud = load(State.CloudLogins)
    for (const registry of cloud === '' ? [] : (JSON.parse(cloud) as string[])) {
      const r = await run(docker, ['logout', registry], {env: {...process.env, DOCKER_CONFIG: dir}})
      if (r.exitCode === 0) core.info(`Logged out of ${registry}`)
      else core.warning(`docker logout ${registry}: ${r.stderr.trim()}`)
    }
    removeRunDockerConfig(dir)
    core.info(`Removed this run's docker config ${dir}`)
  } catch (e) {
    core.warning(`Cleanup: ${errorMessage(e)}`)
  }
}
