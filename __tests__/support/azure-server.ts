/**
 * Azure stand-ins over TLS (a throwaway CA), speaking the wire protocols the
 * SDKs and docker use:
 * - an Entra-like authority: OpenID discovery and the v2.0 token endpoint
 *   (client credentials with a secret or a client assertion), issuing signed JWTs;
 * - an ACR-like registry front: POST /oauth2/exchange (Entra token → refresh
 *   token), GET/POST /oauth2/token (refresh token → access token the real
 *   registry behind it trusts), and everything else proxied to a real
 *   docker-registry with `auth: token`.
 */
import {randomUUID} from 'crypto'
import * as fs from 'fs'
import * as http from 'http'
import * as https from 'https'
import * as os from 'os'
import * as path from 'path'
import {Signer, Tls, makeSigner, makeTls} from './pki'
import {listenOnLoopback} from './ports'
import {TestRegistry, startRegistry} from './registry'

/** An async handler as a request listener: a throw answers 500 rather than leaving the client hanging. */
function handle(work: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>): http.RequestListener {
  return (req, res) => {
    work(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500)
      res.end(String(e))
    })
  }
}

export interface AzureApp {
  readonly clientId: string
  /** the directory the app is registered in (the server's tenant when absent) */
  readonly tenant?: string
  readonly secret?: string
  /** the client assertion (runner OIDC token) this app's federated credential accepts */
  readonly assertion?: string
  /** what ACR grants it */
  readonly role: 'AcrPush' | 'AcrPull'
}

export interface TokenRequestSeen {
  readonly tenant: string
  readonly clientId: string
  readonly scope: string
  readonly grantType: string
  readonly clientAssertion: string | undefined
  readonly usedSecret: boolean
}

export interface AzureServers {
  readonly tls: Tls
  /** AZURE_AUTHORITY_HOST */
  readonly authorityHost: string
  /** the ACR-like registry's host:port */
  readonly registryHost: string
  readonly tenant: string
  readonly apps: Map<string, AzureApp>
  readonly tokenRequests: TokenRequestSeen[]
  readonly exchanges: Array<{service: string; tenant: string | null}>
  readonly registry: TestRegistry
  /**
   * Called before the front passes on a manifest read by @azure/container-registry (its
   * user agent says so): a test moves a tag there, as another push would between two reads.
   */
  beforeSdkManifestRead: ((repo: string, reference: string) => Promise<void>) | undefined
  /** Points `tag` of `repo` at the manifest `to` names, in the real registry (as a push would). */
  moveTag(repo: string, tag: string, to: string): Promise<void>
  stop(): Promise<void>
}

/** The resources (application ID URIs) this directory can issue tokens for. */
const RESOURCES = [
  'https://containerregistry.azure.net',
  'https://management.azure.com',
  'https://management.core.windows.net'
]

function form(body: Buffer): URLSearchParams {
  return new URLSearchParams(body.toString('utf8'))
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', c => chunks.push(c as Buffer))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {'content-type': 'application/json'})
  res.end(JSON.stringify(body))
}

export async function startAzure(tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47'): Promise<AzureServers> {
  const tls = makeTls()
  const keys = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-azure-keys-'))
  const entraSigner: Signer = makeSigner(keys, 'entra')
  const acrSigner: Signer = makeSigner(keys, 'acr-refresh')
  const registrySigner: Signer = makeSigner(keys, 'acr-registry')
  const apps = new Map<string, AzureApp>()
  const tokenRequests: TokenRequestSeen[] = []
  const exchanges: Array<{service: string; tenant: string | null}> = []
  const now = (): number => Math.floor(Date.now() / 1000)

  // ---- Entra-like authority
  const entra = https.createServer(
    {key: tls.key, cert: tls.cert},
    handle(async (req, res) => {
      const body = await readBody(req)
      const url = new URL(req.url ?? '/', `https://${req.headers.host}`)
      const base = `https://${req.headers.host}`
      const discovery = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname)
      if (req.method === 'GET' && discovery) {
        const t = discovery[1]
        json(res, 200, {
          token_endpoint: `${base}/${t}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/${t}/oauth2/v2.0/authorize`,
          device_authorization_endpoint: `${base}/${t}/oauth2/v2.0/devicecode`,
          end_session_endpoint: `${base}/${t}/oauth2/v2.0/logout`,
          jwks_uri: `${base}/${t}/discovery/v2.0/keys`,
          issuer: `${base}/${t}/v2.0`,
          token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
          tenant_region_scope: 'WW'
        })
        return
      }
      const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname)
      if (req.method === 'POST' && token) {
        const p = form(body)
        const seen: TokenRequestSeen = {
          tenant: token[1] ?? '',
          clientId: p.get('client_id') ?? '',
          scope: p.get('scope') ?? '',
          grantType: p.get('grant_type') ?? '',
          clientAssertion: p.get('client_assertion') ?? undefined,
          usedSecret: p.has('client_secret')
        }
        tokenRequests.push(seen)
        const known = apps.get(seen.clientId)
        // an app is found only in the directory it is registered in
        const app = known !== undefined && (known.tenant ?? tenant) === seen.tenant ? known : undefined
        const knownTenants = new Set([tenant, ...[...apps.values()].map(a => a.tenant ?? tenant)])
        if (!knownTenants.has(seen.tenant)) {
          json(res, 400, {
            error: 'invalid_request',
            error_description: `AADSTS90002: Tenant '${seen.tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
            error_codes: [90002]
          })
          return
        }
        if (seen.grantType !== 'client_credentials') {
          json(res, 400, {
            error: 'unsupported_grant_type',
            error_description: `AADSTS70003: The app requested an unsupported grant type '${seen.grantType}'.`,
            error_codes: [70003]
          })
          return
        }
        if (app === undefined) {
          json(res, 400, {
            error: 'unauthorized_client',
            error_description: `AADSTS700016: Application with identifier '${seen.clientId}' was not found in the directory '${seen.tenant}'.`,
            error_codes: [700016]
          })
          return
        }
        const okSecret = seen.usedSecret && app.secret !== undefined && p.get('client_secret') === app.secret
        const okAssertion =
          p.get('client_assertion_type') === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' &&
          app.assertion !== undefined &&
          seen.clientAssertion === app.assertion
        if (!okSecret && !okAssertion) {
          const description = seen.usedSecret
            ? `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${seen.clientId}'.`
            : `AADSTS70021: No matching federated identity record found for presented assertion.`
          json(res, 401, {
            error: 'invalid_client',
            error_description: description,
            error_codes: [seen.usedSecret ? 7000215 : 70021]
          })
          return
        }
        if (!/^\S+\/\.default$/.test(seen.scope)) {
          json(res, 400, {
            error: 'invalid_scope',
            error_description: `AADSTS1002012: The provided value for scope ${seen.scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
            error_codes: [1002012]
          })
          return
        }
        const aud = seen.scope.replace(/\/\.default$/, '')
        if (!RESOURCES.includes(aud)) {
          json(res, 400, {
            error: 'invalid_resource',
            error_description: `AADSTS500011: The resource principal named ${aud} was not found in the tenant named ${seen.tenant}.`,
            error_codes: [500011]
          })
          return
        }
        const accessToken = entraSigner.sign({
          aud,
          iss: `https://sts.windows.net/${seen.tenant}/`,
          tid: seen.tenant,
          appid: app.clientId,
          oid: randomUUID(),
          iat: now(),
          nbf: now(),
          exp: now() + 3600
        })
        json(res, 200, {token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken})
        return
      }
      json(res, 404, {error: 'not_found', error_description: `no route ${req.method} ${url.pathname}`})
    })
  )
  const entraPort = await listenOnLoopback(entra)

  // ---- the real registry behind the ACR-like front
  // the front listens first (its handler is attached below), so the registry's token realm can name its port
  const front = https.createServer({key: tls.key, cert: tls.cert})
  const frontPort = await listenOnLoopback(front)
  const registryHost = `127.0.0.1:${frontPort}`
  const registryIssuer = 'stevedore-test-acr'
  const registry = await startRegistry({
    token: {
      realm: `https://${registryHost}/oauth2/token`,
      service: registryHost,
      issuer: registryIssuer,
      rootCertBundle: registrySigner.certFile
    }
  })

  const accessToken = (
    refresh: string | undefined,
    service: string | null,
    scopes: string[],
    res: http.ServerResponse
  ): void => {
    const claims = refresh === undefined ? undefined : acrSigner.verify(refresh)
    const problem =
      service !== registryHost
        ? `service ${String(service)} is not this registry (${registryHost})`
        : claims === undefined || Number(claims.exp) < now()
          ? 'the refresh token is invalid or expired'
          : claims.aud !== registryHost
            ? `the refresh token is for ${String(claims.aud)}, not ${registryHost}`
            : claims.tid !== tenant
              ? `the refresh token's tenant ${String(claims.tid)} is not the tenant of registry ${registryHost}`
              : undefined
    if (problem !== undefined || claims === undefined) {
      json(res, 401, {errors: [{code: 'UNAUTHORIZED', message: `authentication required: ${problem ?? ''}`}]})
      return
    }
    const app = apps.get(String(claims.sub))
    const allowed = app?.role === 'AcrPush' ? ['pull', 'push'] : ['pull']
    const access = scopes.flatMap(scope => {
      const [type, name, actions] = scope.split(':')
      if (type !== 'repository' || !name || !actions) return []
      const granted = actions.split(',').filter(a => allowed.includes(a))
      return granted.length > 0 ? [{type, name, actions: granted}] : []
    })
    const token = registrySigner.sign({
      iss: registryIssuer,
      sub: String(claims.sub),
      aud: registryHost,
      exp: now() + 600,
      nbf: now() - 10,
      iat: now(),
      jti: randomUUID(),
      access
    })
    json(res, 200, {access_token: token})
  }

  front.on(
    'request',
    handle(async (req, res) => {
      const url = new URL(req.url ?? '/', `https://${registryHost}`)
      if (url.pathname === '/oauth2/exchange' && req.method === 'POST') {
        const p = form(await readBody(req))
        exchanges.push({service: p.get('service') ?? '', tenant: p.get('tenant')})
        const claims = entraSigner.verify(p.get('access_token') ?? '')
        const problem =
          p.get('grant_type') !== 'access_token'
            ? `grant_type must be access_token`
            : p.get('service') !== registryHost
              ? `service ${String(p.get('service'))} is not this registry (${registryHost})`
              : claims === undefined
                ? 'the access token is not a valid Entra token'
                : Number(claims.exp) < now()
                  ? 'the access token has expired'
                  : claims.aud !== 'https://containerregistry.azure.net'
                    ? `the access token's audience ${String(claims.aud)} is not https://containerregistry.azure.net`
                    : claims.tid !== tenant || (p.get('tenant') !== null && p.get('tenant') !== tenant)
                      ? `tenant ${String(p.get('tenant') ?? claims.tid)} is not the tenant of registry ${registryHost}`
                      : undefined
        if (problem !== undefined || claims === undefined) {
          json(res, 401, {errors: [{code: 'UNAUTHORIZED', message: problem ?? 'unauthorized'}]})
          return
        }
        const refresh = acrSigner.sign({
          sub: claims.appid,
          tid: claims.tid,
          aud: registryHost,
          grant_type: 'refresh_token',
          iat: now(),
          exp: now() + 3 * 3600,
          jti: randomUUID()
        })
        json(res, 200, {refresh_token: refresh})
        return
      }
      if (url.pathname === '/oauth2/token') {
        if (req.method === 'POST') {
          const p = form(await readBody(req))
          if (p.get('grant_type') !== 'refresh_token') {
            json(res, 400, {errors: [{code: 'UNSUPPORTED', message: `grant_type must be refresh_token`}]})
            return
          }
          accessToken(
            p.get('refresh_token') ?? undefined,
            p.get('service'),
            (p.get('scope') ?? '').split(' ').filter(Boolean),
            res
          )
          return
        }
        const basic = req.headers.authorization?.startsWith('Basic ')
          ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString('utf8')
          : ''
        const refresh = basic.startsWith('00000000-0000-0000-0000-000000000000:')
          ? basic.slice(basic.indexOf(':') + 1)
          : undefined
        accessToken(
          refresh,
          url.searchParams.get('service'),
          url.searchParams.getAll('scope').flatMap(s => s.split(' ')),
          res
        )
        return
      }
      const manifestRead = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname)
      const hook = servers.beforeSdkManifestRead
      if (
        manifestRead !== null &&
        req.method === 'GET' &&
        hook !== undefined &&
        (req.headers['user-agent'] ?? '').includes('azsdk-js-container-registry')
      )
        await hook(decodeURIComponent(manifestRead[1] ?? ''), decodeURIComponent(manifestRead[2] ?? ''))
      // everything else: the real registry
      const upstream = http.request(
        {
          host: '127.0.0.1',
          port: Number(registry.host.split(':')[1]),
          method: req.method,
          path: req.url,
          headers: req.headers
        },
        up => {
          res.writeHead(up.statusCode ?? 502, up.headers)
          up.pipe(res)
        }
      )
      upstream.on('error', e => {
        res.writeHead(502)
        res.end(String(e))
      })
      req.pipe(upstream)
    })
  )

  const moveTag = async (repo: string, tag: string, to: string): Promise<void> => {
    const token = registrySigner.sign({
      iss: registryIssuer,
      sub: 'test',
      aud: registryHost,
      exp: now() + 600,
      nbf: now() - 10,
      iat: now(),
      jti: randomUUID(),
      access: [{type: 'repository', name: repo, actions: ['pull', 'push']}]
    })
    const headers = {
      authorization: `Bearer ${token}`,
      accept: [
        'application/vnd.oci.image.index.v1+json',
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
        'application/vnd.docker.distribution.manifest.v2+json'
      ].join(', ')
    }
    const got = await fetch(`http://${registry.host}/v2/${repo}/manifests/${to}`, {headers})
    if (got.status !== 200) throw new Error(`moveTag: ${repo}:${to} answered ${got.status}`)
    const put = await fetch(`http://${registry.host}/v2/${repo}/manifests/${tag}`, {
      method: 'PUT',
      headers: {authorization: headers.authorization, 'content-type': got.headers.get('content-type') ?? ''},
      body: Buffer.from(await got.arrayBuffer())
    })
    if (put.status !== 201) throw new Error(`moveTag: PUT ${repo}:${tag} answered ${put.status}`)
  }

  const servers: AzureServers = {
    tls,
    authorityHost: `https://127.0.0.1:${entraPort}`,
    registryHost,
    tenant,
    apps,
    tokenRequests,
    exchanges,
    registry,
    beforeSdkManifestRead: undefined,
    moveTag,
    stop: async () => {
      for (const server of [front, entra]) {
        server.closeAllConnections()
        await new Promise(r => server.close(r))
      }
      await registry.stop()
      fs.rmSync(keys, {recursive: true, force: true})
      fs.rmSync(tls.dir, {recursive: true, force: true})
    }
  }
  return servers
}
