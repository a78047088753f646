/** `registry`, `username`, `password` and `registry-auth`: each secret masked as it is read. */

import {InputReader, optional} from './reader'
import {InputError} from '../errors'
import {parseRegistryAuth, normalizeRegistryHost} from './parsing'
import {parseRepository} from '../registry/reference'

/**
 * A credential as pasted: plain, or through toJSON (`"ci"`, what `registry-auth` needs), taken
 * the same either way.
 */
function credential(raw: string | undefined): string | undefined {
  if (raw === undefined || !/^".*"$/s.test(raw)) return raw
  try {
    const decoded = JSON.parse(raw) as unknown
    return typeof decoded === 'string' && decoded !== '' ? decoded : raw
  } catch {
    return raw
  }
}

/**
 * `username`, `password` and `registry-auth`, each secret masked as it is read. Without push, a
 * credential left empty (a fork's pull request gets no secrets) is skipped with a notice: nothing
 * is pushed, and only a private base image would need it.
 */
export function readCredentials(read: InputReader, push: boolean, mask: (secret: string) => void, notices: string[]) {
  const rawPassword = optional(read('password'))
  if (rawPassword !== undefined) mask(rawPassword)
  const password = credential(rawPassword)
  if (password !== undefined && password !== rawPassword) mask(password)
  const registryAuth = parseRegistryAuth('registry-auth', read('registry-auth'), !push)
  for (const a of registryAuth) if (a.type === 'basic') mask(a.password)
  const skipped = registryAuth.filter(a => a.type === 'basic' && (a.username === '' || a.password === ''))
  for (const a of skipped)
    notices.push(
      `registry-auth: the entry for ${a.registry} has an empty username or password (a fork's pull request gets no secrets); not logged in to it, as nothing is pushed`
    )
  const username = credential(optional(read('username')))
  if ((username === undefined) !== (password === undefined)) {
    if (!push) {
      notices.push(
        `'username' and 'password': ${username === undefined ? 'username' : 'password'} is empty (a fork's pull request gets no secrets); not logged in, as nothing is pushed`
      )
      return {username: undefined, password: undefined, registryAuth: registryAuth.filter(a => !skipped.includes(a))}
    }
    throw new InputError(
      username === undefined ? 'username' : 'password',
      `'username' and 'password' go together; give both or neither`
    )
  }
  return {username, password, registryAuth: registryAuth.filter(a => !skipped.includes(a))}
}

/** login-action's `registry`: a host (a scheme or path is dropped, Docker Hub's aliases are docker.io). */
export function readRegistry(read: InputReader): string | undefined {
  const raw = optional(read('registry'))
  if (raw === undefined) return undefined
  const host = normalizeRegistryHost(raw)
  const probe = parseRepository(`${host}/x`)
  if (typeof probe === 'string' || probe.registry !== host)
    throw new InputError('registry', `'${raw}' is not a registry host such as ghcr.io, docker.io or 127.0.0.1:5000`)
  return host
}
