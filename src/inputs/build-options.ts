/**
 * build-push-action's build options that go to the builder as they are:
 * add-hosts, shm-size, ulimit, allow, no-cache-filters, build-contexts and
 * annotations, each checked for its form. Pure.
 */
import {InputError} from '../errors'
import {parseCsvList, parseList} from './list-grammar'

export interface BuildOptions {
  /** `host:ip` or `host=ip` */
  readonly 'add-hosts': readonly string[]
  /** size of /dev/shm, such as 2g */
  readonly 'shm-size': string | undefined
  /** `type=soft[:hard]` */
  readonly ulimit: readonly string[]
  /** entitlements: network.host, security.insecure */
  readonly allow: readonly string[]
  /** stages built without cache */
  readonly 'no-cache-filters': readonly string[]
  /** `name=path`, `name=docker-image://…`, `name=target:stage`, `name=https://…`; local paths resolved in the workspace */
  readonly 'build-contexts': readonly string[]
  /** `[level:]key=value`, levels as buildx takes them (manifest, index, manifest-descriptor, index-descriptor) */
  readonly annotations: readonly string[]
}

export const BUILD_OPTION_INPUTS = [
  'add-hosts',
  'shm-size',
  'ulimit',
  'allow',
  'no-cache-filters',
  'build-contexts',
  'annotations'
] as const

const ENTITLEMENTS = ['network.host', 'security.insecure']
const ULIMIT_TYPES = [
  'core',
  'cpu',
  'data',
  'fsize',
  'locks',
  'memlock',
  'msgqueue',
  'nice',
  'nofile',
  'nproc',
  'rss',
  'rtprio',
  'rttime',
  'sigpending',
  'stack'
]
const ANNOTATION =
  /^(?:(manifest|index|manifest-descriptor|index-descriptor)(?:\[[a-z0-9/,]+\])?:)?([A-Za-z0-9][A-Za-z0-9._\-/]*)=/

function each(name: string, raw: string, newlineOnly: boolean, ok: (v: string) => boolean, accepted: string): string[] {
  const items = newlineOnly ? parseList(raw) : parseCsvList(name, raw)
  for (const v of items) if (!ok(v)) throw new InputError(name, `'${v}' is not accepted; ${accepted}`)
  return items
}

function buildContext(raw: string, local: LocalPath): string {
  const eq = raw.indexOf('=')
  const name = raw.slice(0, eq)
  const where = raw.slice(eq + 1)
  if (eq <= 0 || where === '' || !/^[A-Za-z0-9][A-Za-z0-9._\-/]*$/.test(name)) {
    throw new InputError(
      'build-contexts',
      `'${raw}' is not name=source; give such as alpine=docker-image://alpine:3.20, src=./src or base=target:base`
    )
  }
  // URLs, docker-image://, oci-layout:// and target: go to buildx as they are; a local folder must be in the workspace
  if (/^[a-z][a-z0-9+.-]*:/i.test(where)) return raw
  return `${name}=${local('build-contexts', where)}`
}

/** Resolves a local path an input names, or refuses it naming the input (build-context.ts insideWorkspace). */
export type LocalPath = (input: string, raw: string) => string

export function parseBuildOptions(read: (name: string) => string, local: LocalPath): BuildOptions {
  const shm = read('shm-size').trim()
  if (shm !== '' && !/^\d+(\.\d+)?[bkmg]?$/i.test(shm)) {
    throw new InputError('shm-size', `'${shm}' is not a size; give a number with b, k, m or g, such as 2g`)
  }
  return {
    'add-hosts': each(
      'add-hosts',
      read('add-hosts'),
      false,
      v => /^[A-Za-z0-9][A-Za-z0-9.-]*[:=]\S+$/.test(v),
      'give host:ip, such as docker:10.180.0.1'
    ),
    'shm-size': shm === '' ? undefined : shm,
    ulimit: each(
      'ulimit',
      read('ulimit'),
      true,
      v => {
        const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(v)
        return m !== null && ULIMIT_TYPES.includes(m[1] ?? '')
      },
      `give type=soft[:hard] with type one of ${ULIMIT_TYPES.join(', ')}, such as nofile=1024:1024`
    ),
    allow: each('allow', read('allow'), false, v => ENTITLEMENTS.includes(v), `use ${ENTITLEMENTS.join(' or ')}`),
    'no-cache-filters': each(
      'no-cache-filters',
      read('no-cache-filters'),
      false,
      v => /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(v),
      'give stage names, as after AS in a FROM line'
    ),
    'build-contexts': parseList(read('build-contexts')).map(c => buildContext(c, local)),
    annotations: each(
      'annotations',
      read('annotations'),
      true,
      v => ANNOTATION.test(v),
      'give [level:]key=value, level one of manifest, index, manifest-descriptor, index-descriptor'
    )
  }
}
