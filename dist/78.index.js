"use strict";
exports.id = 78;
exports.ids = [78];
exports.modules = {

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