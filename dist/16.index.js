"use strict";
exports.id = 16;
exports.ids = [16];
exports.modules = {

/***/ 41016:
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
exports.Ecr = void 0;
exports.describeAwsError = describeAwsError;
exports.decodeAuthorizationToken = decodeAuthorizationToken;
/** Amazon ECR through @aws-sdk: registry tokens and repositories. */
const core = __importStar(__webpack_require__(37484));
const client_ecr_1 = __webpack_require__(28249);
const client_ecr_public_1 = __webpack_require__(29821);
const errors_1 = __webpack_require__(83916);
const registry_kind_1 = __webpack_require__(83934);
const CREDENTIAL_HINT = 'Set aws-role-to-assume (with "permissions: id-token: write"), or run aws-actions/configure-aws-credentials before this step.';
/** An SDK failure as one sentence a user can act on. */
function describeAwsError(what, e) {
    const err = (e ?? {});
    const name = err.name ?? 'Error';
    const message = err.message ?? String(e);
    if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
        return new errors_1.ActionError(`${what}: no AWS credentials found. ${CREDENTIAL_HINT}`);
    }
    const auth = [
        'ExpiredTokenException',
        'UnrecognizedClientException',
        'InvalidSignatureException',
        'AccessDeniedException'
    ].includes(name);
    return new errors_1.ActionError(`${what} failed: ${name}: ${message}${auth ? `. Check the AWS credentials and their IAM permissions. ${CREDENTIAL_HINT}` : ''}`);
}
/** `AWS:<password>` from an authorization token. */
function decodeAuthorizationToken(token) {
    const decoded = Buffer.from(token, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0)
        throw new errors_1.ActionError('ECR returned an authorization token that is not user:password');
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
class Ecr {
    credentials;
    clients = new Map();
    constructor(credentials) {
        this.credentials = credentials;
    }
    client(region) {
        let c = this.clients.get(region);
        if (c === undefined) {
            c = new client_ecr_1.ECRClient({ region, maxAttempts: 5, ...(this.credentials ? { credentials: this.credentials } : {}) });
            this.clients.set(region, c);
        }
        return c;
    }
    /** One GetAuthorizationToken per region, for every account of that region. */
    async tokens(logins) {
        const result = new Map();
        const regions = [...new Set(logins.map(l => l.region))];
        for (const region of regions) {
            const inRegion = logins.filter(l => l.region === region);
            const ids = [...new Set(inRegion.map(l => l.registryId).filter((id) => id !== undefined))];
            let data;
            try {
                const out = await this.client(region).send(new client_ecr_1.GetAuthorizationTokenCommand(ids.length > 0 && ids.length === inRegion.length ? { registryIds: ids } : {}));
                data = out.authorizationData ?? [];
            }
            catch (e) {
                throw describeAwsError(`ECR GetAuthorizationToken in ${region}`, e);
            }
            for (const login of inRegion) {
                const match = data.find(d => login.registryId !== undefined && (d.proxyEndpoint ?? '').includes(`//${login.registryId}.`)) ?? (data.length === 1 || login.registryId === undefined ? data[0] : undefined);
                if (match?.authorizationToken === undefined) {
                    throw new errors_1.ActionError(`ECR returned no authorization token for ${login.registry} (account ${login.registryId ?? 'default'}, ${region})`);
                }
                core.setSecret(match.authorizationToken);
                const creds = decodeAuthorizationToken(match.authorizationToken);
                core.setSecret(creds.password);
                result.set(login.registry, creds);
            }
        }
        return result;
    }
    async publicToken() {
        const client = new client_ecr_public_1.ECRPUBLICClient({
            region: registry_kind_1.ECR_PUBLIC_REGION,
            maxAttempts: 5,
            ...(this.credentials ? { credentials: this.credentials } : {})
        });
        try {
            const out = await client.send(new client_ecr_public_1.GetAuthorizationTokenCommand({}));
            const token = out.authorizationData?.authorizationToken;
            if (token === undefined)
                throw new errors_1.ActionError('ECR Public returned no authorization token');
            core.setSecret(token);
            const creds = decodeAuthorizationToken(token);
            core.setSecret(creds.password);
            return creds;
        }
        catch (e) {
            if (e instanceof errors_1.ActionError)
                throw e;
            throw describeAwsError(`ECR Public GetAuthorizationToken in ${registry_kind_1.ECR_PUBLIC_REGION}`, e);
        }
    }
    /**
     * The repository's tag mutability; a missing repository is created when
     * asked, else it fails here, before anything is built.
     */
    async ensureRepository(login, repositoryName, create) {
        const client = this.client(login.region);
        const registryId = login.registryId;
        const where = `account ${registryId ?? "(the credentials' own)"}, region ${login.region}`;
        try {
            const out = await client.send(new client_ecr_1.DescribeRepositoriesCommand({ repositoryNames: [repositoryName], ...(registryId ? { registryId } : {}) }));
            return mutabilityOf(out.repositories?.[0]?.imageTagMutability);
        }
        catch (e) {
            if (e.name !== 'RepositoryNotFoundException')
                throw describeAwsError(`ECR DescribeRepositories for '${repositoryName}' (${where})`, e);
        }
        if (!create.enabled) {
            throw new errors_1.ActionError(`ECR repository '${repositoryName}' does not exist (${where}). Create it, or set 'ecr-create-repository: true'.`);
        }
        try {
            const out = await client.send(new client_ecr_1.CreateRepositoryCommand({
                repositoryName,
                imageTagMutability: create.mutability,
                imageScanningConfiguration: { scanOnPush: create.scanOnPush },
                ...(registryId ? { registryId } : {})
            }));
            core.info(`Created ECR repository '${repositoryName}' (${where}, ${create.mutability}, scan on push ${create.scanOnPush})`);
            return mutabilityOf(out.repository?.imageTagMutability ?? create.mutability);
        }
        catch (e) {
            throw describeAwsError(`ECR CreateRepository '${repositoryName}' (${where})`, e);
        }
    }
}
exports.Ecr = Ecr;
/** IMMUTABLE and IMMUTABLE_WITH_EXCLUSION are treated as immutable. */
function mutabilityOf(raw) {
    return raw !== undefined && raw.startsWith('IMMUTABLE') ? 'IMMUTABLE' : 'MUTABLE';
}


/***/ })

};
;