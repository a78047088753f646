/** Real clients for reading back what the action did: skopeo and the docker engine. */
import {execFile} from 'child_process'
import {createHash} from 'crypto'
import * as fs from 'fs'
import * as os from 'os'
import * as path from 'path'
import {promisify} from 'util'

const run = promisify(execFile)

export interface Creds {
  readonly username: string
  readonly password: string
}

async function skopeoInspect(ref: string, creds: Creds | undefined, raw: boolean): Promise<string> {
  const args = ['inspect', '--tls-verify=false']
  if (raw) args.push('--raw')
  if (creds !== undefined) args.push('--creds', `${creds.username}:${creds.password}`)
  else args.push('--no-creds')
  args.push(`docker://${ref}`)
  const {stdout} = await run('skopeo', args, {maxBuffer: 16 * 1024 * 1024})
  return stdout
}

/** The image config blob as the registry holds it. */
export async function skopeoConfig(
  ref: string,
  creds?: Creds
): Promise<{config?: {User?: string}; architecture?: string}> {
  const args = [
    'inspect',
    '--tls-verify=false',
    '--config',
    ...(creds ? ['--creds', `${creds.username}:${creds.password}`] : ['--no-creds'])
  ]
  const {stdout} = await run('skopeo', [...args, `docker://${ref}`], {maxBuffer: 16 * 1024 * 1024})
  return JSON.parse(stdout) as {config?: {User?: string}; architecture?: string}
}

export async function skopeoDigest(ref: string, creds?: Creds): Promise<string> {
  return (JSON.parse(await skopeoInspect(ref, creds, false)) as {Digest: string}).Digest
}

export async function skopeoImage(
  ref: string,
  creds?: Creds
): Promise<{Digest: string; Labels: Record<string, string> | null; RepoTags: string[]}> {
  return JSON.parse(await skopeoInspect(ref, creds, false)) as {
    Digest: string
    Labels: Record<string, string> | null
    RepoTags: string[]
  }
}

export async function docker(args: string[], input?: string): Promise<string> {
  const p = run('docker', args, {maxBuffer: 64 * 1024 * 1024})
  if (input !== undefined) {
    p.child.stdin?.end(input)
  }
  const {stdout} = await p
  return stdout.trim()
}

/** Fails the suite early, with the fix, when the engine or base images are missing. */
export async function requireEngine(): Promise<void> {
  try {
    await docker(['version', '--format', '{{.Server.Version}}'])
  } catch {
    throw new Error(
      'No Docker engine answers. Run the test command from the README (npm run test:all), which starts one.'
    )
  }
  for (const image of ['stevedore-local/busybox:latest', 'stevedore-local/python-fastapi:bookworm']) {
    try {
      await docker(['image', 'inspect', '--format', '{{.Id}}', image])
    } catch {
      throw new Error(`Base image ${image} is missing. Run scripts/make-base-image.sh (npm run test:all does).`)
    }
  }
}

/**
 * Pulls `ref` from its registry into the engine for real: local tags named in
 * `untag` are removed first, and the login lives in a throwaway config.
 */
export async function pullFromRegistry(
  ref: string,
  registry: string,
  creds: Creds | undefined,
  untag: readonly string[],
  engineDocker: (args: string[], input?: string) => Promise<string> = docker
): Promise<void> {
  if (untag.length > 0) await engineDocker(['image', 'rm', ...untag])
  const config = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-pull-'))
  try {
    if (creds !== undefined)
      await engineDocker(
        ['--config', config, 'login', '--username', creds.username, '--password-stdin', registry],
        creds.password
      )
    await engineDocker(['--config', config, 'pull', ref])
  } finally {
    fs.rmSync(config, {recursive: true, force: true})
  }
}

/** The exact bytes of a manifest or index, and their sha256 digest. */
export async function rawManifest(
  ref: string,
  creds?: Creds
): Promise<{digest: string; json: Record<string, unknown>}> {
  const raw = await skopeoInspect(ref, creds, true)
  return {
    digest: `sha256:${createHash('sha256').update(raw).digest('hex')}`,
    json: JSON.parse(raw) as Record<string, unknown>
  }
}

export async function skopeoCopy(src: string, dest: string, destCreds?: Creds): Promise<void> {
  const args = [
    'copy',
    '--all',
    '--dest-tls-verify=false',
    ...(destCreds ? ['--dest-creds', `${destCreds.username}:${destCreds.password}`] : ['--dest-no-creds']),
    src,
    dest
  ]
  await run('skopeo', args, {maxBuffer: 16 * 1024 * 1024})
}
