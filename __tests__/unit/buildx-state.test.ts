import * as os from 'os'
import * as path from 'path'
import {userDockerConfigDir} from '../../src/auth/docker-config'
import {BuildxFiles, buildxInstalled, driverFromFiles} from '../../src/build/buildx-state'

/** A folder tree in memory: path → text; executables listed apart. */
function files(tree: Record<string, string>, executables: string[] = []): BuildxFiles {
  return {read: f => tree[f], executable: f => executables.includes(f)}
}

const remote = JSON.stringify({Name: 'ci', Driver: 'remote', Nodes: []})
const container = JSON.stringify({Name: 'builder-x', Driver: 'docker-container', Nodes: []})

describe('buildxInstalled', () => {
  test.each<[string, string, string[], boolean]>([
    ["in the user's docker config (setup-buildx-action puts it there)", '/c', ['/c/cli-plugins/docker-buildx'], true],
    ['a system plugin (docker-buildx-plugin package)', '/c', ['/usr/libexec/docker/cli-plugins/docker-buildx'], true],
    ['nowhere', '/c', [], false]
  ])('%s', (_name, configDir, executables, installed) => {
    expect(buildxInstalled(configDir, files({}, executables))).toBe(installed)
  })

  test("the user's docker config is DOCKER_CONFIG, else ~/.docker (the helper the run's own config is made from)", () => {
    expect(userDockerConfigDir({DOCKER_CONFIG: '/c'})).toBe('/c')
    expect(userDockerConfigDir({})).toBe(path.join(os.homedir(), '.docker'))
  })
})

describe('driverFromFiles', () => {
  const base = {DOCKER_CONFIG: '/c', DOCKER_HOST: 'unix:///run/d.sock'}
  test.each<[string, NodeJS.ProcessEnv, string | undefined, Record<string, string>, string | undefined]>([
    ['no builder ever chosen: the default builder, docker driver', base, undefined, {}, 'docker'],
    [
      'current names none',
      base,
      undefined,
      {'/c/buildx/current': '{"Key":"unix:///run/d.sock","Name":"","Global":false}'},
      'docker'
    ],
    [
      'current builder for this engine (setup-buildx-action uses it)',
      base,
      undefined,
      {
        '/c/buildx/current': '{"Key":"unix:///run/d.sock","Name":"builder-x","Global":false}',
        '/c/buildx/instances/builder-x': container
      },
      'docker-container'
    ],
    [
      'a current builder chosen for another endpoint: buildx decides',
      base,
      undefined,
      {
        '/c/buildx/current': '{"Key":"unix:///other.sock","Name":"builder-x","Global":false}',
        '/c/buildx/instances/builder-x': container
      },
      undefined
    ],
    [
      'a global current builder',
      base,
      undefined,
      {'/c/buildx/current': '{"Key":"unix:///other.sock","Name":"ci","Global":true}', '/c/buildx/instances/ci': remote},
      'remote'
    ],
    ['builder input', base, 'ci', {'/c/buildx/instances/ci': remote}, 'remote'],
    ['builder input that no file names: buildx decides (and names the error)', base, 'nope', {}, undefined],
    ['builder input default', base, 'default', {}, 'docker'],
    ['BUILDX_BUILDER', {...base, BUILDX_BUILDER: 'ci'}, undefined, {'/c/buildx/instances/ci': remote}, 'remote'],
    ['another docker context: buildx decides', {...base, DOCKER_CONTEXT: 'remote-host'}, undefined, {}, undefined],
    [
      'a current context in config.json: buildx decides',
      base,
      undefined,
      {'/c/config.json': '{"currentContext":"colima"}'},
      undefined
    ],
    ['an unreadable current file: the default builder', base, undefined, {'/c/buildx/current': 'not json'}, 'docker']
  ])('%s', (_name, env, builder, tree, driver) => {
    expect(driverFromFiles(env, '/c', builder, files(tree))).toBe(driver)
  })
})
