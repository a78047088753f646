/**
 * A docker config directory of this run (under RUNNER_TEMP): logins are
 * written here and nowhere else, and the post step removes it. Plugins and
 * buildx builders of the user's own config stay visible through links.
 */
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'

const SHARED_ENTRIES = ['cli-plugins', 'buildx', 'contexts'] as const

export function userDockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || path.join(os.homedir(), '.docker')
}

export function createRunDockerConfig(runnerTemp: string, userDir: string): string {
  fs.mkdirSync(runnerTemp, {recursive: true})
  const dir = fs.mkdtempSync(path.join(runnerTemp, 'stevedore-docker-'))
  fs.chmodSync(dir, 0o700)
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({auths: {}}, null, 2), {mode: 0o600})
  for (const entry of SHARED_ENTRIES) {
    const source = path.join(userDir, entry)
    if (fs.existsSync(source)) fs.symlinkSync(source, path.join(dir, entry))
  }
  return dir
}

/** Removes the directory; links are removed, never followed. */
export function removeRunDockerConfig(dir: string): void {
  fs.rmSync(dir, {recursive: true, force: true})
}
