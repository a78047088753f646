"use strict";
exports.id = 564;
exports.ids = [564,78];
exports.modules = {

/***/ 70564:
/***/ (function(__unused_webpack_module, exports, __webpack_require__) {


var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.ACR_TOKEN_USER = void 0;
exports.acrRefreshToken = acrRefreshToken;
exports.grantedActions = grantedActions;
exports.requirePushRights = requirePushRights;
exports.verifyWithAcrSdk = verifyWithAcrSdk;
/**
 * Azure Container Registry: the Entra token exchanged for an ACR refresh
 * token (POST /oauth2/exchange), the push-rights check, and the read-back of
 * every tag through @azure/container-registry.
 */
const core = __importStar(__webpack_require__(37484));
const container_registry_1 = __webpack_require__(47754);
const azure_credentials_1 = __webpack_require__(48078);
const errors_1 = __webpack_require__(83916);
const transport_1 = __webpack_require__(40670);
/** An ACR token request that has not answered by then has failed. */
const ACR_DEADLINE_MS = 30_000;
/** The user name ACR expects with a refresh token. */
exports.ACR_TOKEN_USER = '00000000-0000-0000-0000-000000000000';
/** Entra token → ACR refresh token, the password docker logs in with. */
async function acrRefreshToken(registry, cloud, identity, tenant) {
    let aad;
    try {
        aad = await identity.credential.getToken(`${cloud.audience}/.default`);
    }
    catch (e) {
        throw (0, azure_credentials_1.describeAzureError)(`Getting an Entra token for ${registry}`, identity, e);
    }
    if (!aad?.token)
        throw new errors_1.ActionError(`Getting an Entra token for ${registry} with ${identity.description} returned no token`);
    core.setSecret(aad.token);
    const form = new URLSearchParams({ grant_type: 'access_token', service: registry, access_token: aad.token });
    if (tenant !== undefined)
        form.set('tenant', tenant);
    const res = await fetch(`https://${registry}/oauth2/exchange`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
        signal: AbortSignal.timeout(ACR_DEADLINE_MS)
    });
    if (!res.ok) {
        throw new errors_1.ActionError(`${registry} refused the token exchange (HTTP ${res.status}): ${await (0, transport_1.errorText)(res)}. Check that ${identity.description} has a role on this registry.`);
    }
    const body = await (0, transport_1.readJson)(res, transport_1.MAX_JSON_BYTES, `${registry}'s token exchange`);
    if (typeof body.refresh_token !== 'string' || body.refresh_token === '')
        throw new errors_1.ActionError(`${registry}'s token exchange answered without a refresh token`);
    core.setSecret(body.refresh_token);
    return { username: exports.ACR_TOKEN_USER, password: body.refresh_token };
}
/** The actions ACR grants on a repository, read from the access token it issues (a JWT). */
async function grantedActions(registry, creds, repoPath) {
    const url = new URL(`https://${registry}/oauth2/token`);
    url.searchParams.set('service', registry);
    url.searchParams.set('scope', `repository:${repoPath}:pull,push`);
    const res = await fetch(url, {
        headers: { authorization: (0, transport_1.basicAuthorization)(creds) },
        signal: AbortSignal.timeout(ACR_DEADLINE_MS)
    });
    if (!res.ok)
        throw new errors_1.ActionError(`${registry} refused an access token for ${repoPath} (HTTP ${res.status}): ${await (0, transport_1.errorText)(res)}`);
    const granted = await (0, transport_1.readJson)(res, transport_1.MAX_JSON_BYTES, `${registry}'s token service`);
    const token = typeof granted.access_token === 'string' ? granted.access_token : '';
    core.setSecret(token);
    const payload = token.split('.')[1];
    if (payload === undefined)
        return undefined;
    try {
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
        return (claims.access ?? [])
            .filter(a => a.type === 'repository' && a.name === repoPath)
            .flatMap(a => a.actions ?? []);
    }
    catch (e) {
        core.debug(`${registry}: the access token's claims were not read (${e instanceof Error ? e.message : String(e)})`);
        return undefined;
    }
}
async function requirePushRights(registry, creds, repoPath, identity) {
    const actions = await grantedActions(registry, creds, repoPath);
    if (actions !== undefined && !actions.includes('push') && !actions.includes('*')) {
        throw new errors_1.ActionError(`${identity.description} may not push to ${registry}/${repoPath}: ACR granted ${actions.length > 0 ? actions.join(', ') : 'nothing'}. ` +
            `Assign it the AcrPush role (or a repository-scoped token with write) on the registry.`);
    }
}
/** Every tag, read through the ACR SDK, must resolve to the pushed digest. */
async function verifyWithAcrSdk(registry, repoPath, tags, digest, cloud, identity) {
    const client = new container_registry_1.ContainerRegistryContentClient(`https://${registry}`, repoPath, identity.credential, {
        audience: cloud.audience
    });
    for (const tag of tags) {
        let found;
        try {
            found = (await client.getManifest(tag)).digest;
        }
        catch (e) {
            const err = e;
            throw new errors_1.ActionError(`Reading ${registry}/${repoPath}:${tag} through the ACR SDK failed: ${err.name ?? 'Error'}: ${(err.message ?? String(e)).split('\n')[0]}`);
        }
        if (found !== digest) {
            throw new errors_1.ActionError(`The ACR SDK reads ${registry}/${repoPath}:${tag} as ${found}, but ${digest} was pushed`);
        }
    }
    core.info(`${registry}/${repoPath}: ${tags.length} tag(s) confirmed with @azure/container-registry`);
}


/***/ }),

/***/ 48078:
/***/ (function(__unused_webpack_module, exports, __webpack_require__) {


var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.AZURE_OIDC_AUDIENCE = void 0;
exports.azureIdentity = azureIdentity;
exports.describeAzureError = describeAzureError;
/**
 * Azure credentials through @azure/identity: a federated credential fed by the
 * runner's OIDC token, a client secret, or the default chain.
 */
const core = __importStar(__webpack_require__(37484));
const identity_1 = __webpack_require__(35261);
const errors_1 = __webpack_require__(83916);
exports.AZURE_OIDC_AUDIENCE = 'api://AzureADTokenExchange';
const KNOWN_AUTHORITY_HOSTS = [
    'login.microsoftonline.com',
    'login.chinacloudapi.cn',
    'login.microsoftonline.us',
    'login.microsoftonline.de'
];
const DEFAULT_CHAIN = 'environment variables (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET / AZURE_FEDERATED_TOKEN_FILE), workload identity, managed identity, Azure CLI (an azure/login session), Azure Developer CLI, Azure PowerShell';
function azureIdentity(inputs, cloud, env) {
    const authorityHost = env.AZURE_AUTHORITY_HOST || cloud.authorityHost;
    let authority;
    try {
        authority = new URL(authorityHost);
    }
    catch {
        throw new errors_1.ActionError(`AZURE_AUTHORITY_HOST '${authorityHost}' is not a URL; give one such as https://login.microsoftonline.com, or unset it`);
    }
    if (authority.protocol !== 'https:')
        throw new errors_1.ActionError(`AZURE_AUTHORITY_HOST '${authorityHost}' is not https; Entra ID is asked over https only`);
    // Instance discovery asks the public cloud about the authority; skip it for hosts it cannot know (Azure Stack, tests).
    const disableInstanceDiscovery = !KNOWN_AUTHORITY_HOSTS.includes(authority.host);
    const options = { authorityHost, disableInstanceDiscovery };
    const clientId = inputs['azure-client-id'];
    const tenantId = inputs['azure-tenant-id'];
    const secret = inputs['azure-client-secret'];
    if (clientId !== undefined && tenantId !== undefined && secret !== undefined) {
        return {
            credential: new identity_1.ClientSecretCredential(tenantId, clientId, secret, options),
            description: `the client secret of application ${clientId}`
        };
    }
    if (clientId !== undefined && tenantId !== undefined) {
        if (!env.ACTIONS_ID_TOKEN_REQUEST_URL || !env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
            throw new errors_1.ActionError(`'azure-client-id' without 'azure-client-secret' logs in with the workflow's OIDC token, and this job has none: add "permissions: id-token: write" to the job.`);
        }
        const getAssertion = async () => {
            const token = await core.getIDToken(exports.AZURE_OIDC_AUDIENCE);
            core.setSecret(token);
            return token;
        };
        return {
            credential: new identity_1.ClientAssertionCredential(tenantId, clientId, getAssertion, options),
            description: `the federated credential (OIDC) of application ${clientId}`
        };
    }
    return { credential: new identity_1.DefaultAzureCredential(options), description: `the default chain (${DEFAULT_CHAIN})` };
}
/** An @azure/identity failure as a sentence a user can act on. */
function describeAzureError(what, identity, e) {
    const err = (e ?? {});
    const first = (m) => (m ?? String(e)).split('\n')[0]?.trim() ?? '';
    if (err.name === 'AggregateAuthenticationError' || err.name === 'CredentialUnavailableError') {
        const tried = (err.errors ?? []).map(x => `${x.name ?? 'Error'}: ${first(x.message)}`).join('; ');
        return new errors_1.ActionError(`${what}: no Azure credential found. Tried ${identity.description}${tried ? ` (${tried})` : ''}. ` +
            `Set azure-client-id and azure-tenant-id (with "permissions: id-token: write") or azure-client-secret, or run azure/login before this step.`);
    }
    return new errors_1.ActionError(`${what} with ${identity.description} failed: ${err.name ?? 'Error'}: ${first(err.message)}`);
}


/***/ })

};
;