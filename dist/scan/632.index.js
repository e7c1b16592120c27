export const id = 632;
export const ids = [632];
export const modules = {

/***/ 4632:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  NETWORK_VARIABLES: () => (/* binding */ NETWORK_VARIABLES),
  recordNetwork: () => (/* binding */ recordNetwork),
  useMainStepNetwork: () => (/* binding */ useMainStepNetwork)
});

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ./src/common/server-text.ts
var server_text = __webpack_require__(1740);
;// CONCATENATED MODULE: ./src/net/proxy-secrets.ts
/**
 * The secrets in the proxy variables of the runner's environment, for masking. Apart from proxy.ts, so that
 * the token agent, which never masks, carries no copy of it.
 */
const PROXY_VARIABLES = (/* unused pure expression or super */ null && (['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY']));
/**
 * Passwords inside proxy URLs, as written and decoded. User names are not secret, and masking one (often a
 * single letter) would hide every occurrence of it in the log and make the runner drop job outputs.
 */
function proxySecrets(env) {
    const secrets = new Set();
    for (const name of PROXY_VARIABLES) {
        const password = proxyPassword(env[name]);
        if (!password)
            continue;
        secrets.add(password);
        try {
            secrets.add(decodeURIComponent(password));
        }
        catch {
            // not percent-encoded: the raw form is masked already
        }
    }
    return [...secrets];
}
/** The password in a proxy URL as written (percent-encoded), or '' when it has none or is no URL. */
function proxyPassword(value) {
    if (!value)
        return '';
    try {
        return new URL(value.includes('://') ? value : `http://${value}`).password;
    }
    catch {
        return '';
    }
}

;// CONCATENATED MODULE: ./src/net/main-step-network.ts
/**
 * The network the main step ran with, for the post step: the variables that decide where a request goes and
 * whom TLS trusts, recorded in the main step's state (with a digest of the NODE_EXTRA_CA_CERTS file), and put
 * back in the post step's process whatever a later step wrote to GITHUB_ENV since. A later step can set any of
 * them for the post step, and the post step sends the client's credentials: its proxy and its trust store
 * must be the main step's. Node reads NODE_TLS_REJECT_UNAUTHORIZED and the proxy variables (as
 * `@actions/http-client` does) at each request, so they are set back in `process.env`; it reads
 * NODE_EXTRA_CA_CERTS once, at start, so the default CA list is rebuilt without the certificates it loaded
 * and with those of the recorded file, verified by its digest; NODE_USE_ENV_PROXY only reaches Node's global
 * agents, which no request of the action uses (transport.ts: `agent: false`; the proxy path: its own agents).
 * SSL_CERT_FILE / SSL_CERT_DIR (OpenSSL's store, under --use-openssl-ca) are read by OpenSSL and cannot be
 * set back: changed, they cannot be honoured. A proxy URL with a password is not kept in the state (only its
 * digest): the post step uses it only if its own environment still holds that very URL.
 */



/** Every variable that decides where a request of the action goes, or whom it trusts. */
const NETWORK_VARIABLES = [
    'HTTPS_PROXY',
    'https_proxy',
    'HTTP_PROXY',
    'http_proxy',
    'NO_PROXY',
    'no_proxy',
    'NODE_EXTRA_CA_CERTS',
    'NODE_TLS_REJECT_UNAUTHORIZED',
    'NODE_USE_ENV_PROXY',
    'SSL_CERT_FILE',
    'SSL_CERT_DIR'
];
const main_step_network_PROXY_VARIABLES = new Set([
    'HTTPS_PROXY',
    'https_proxy',
    'HTTP_PROXY',
    'http_proxy'
]);
const digestOf = (text) => (0,external_node_crypto_.createHash)('sha256').update(text).digest('hex');
/** The main step's network, as JSON for its state. `readFile` reads a file as text (throws when it cannot). */
function recordNetwork(env, readFile) {
    const digests = {};
    const record = { env: {}, digests };
    for (const name of NETWORK_VARIABLES) {
        const value = env[name];
        if (value === undefined)
            continue;
        if (main_step_network_PROXY_VARIABLES.has(name) && proxyPassword(value))
            digests[name] = digestOf(value);
        else
            record.env[name] = value;
    }
    const extra = env.NODE_EXTRA_CA_CERTS;
    if (extra) {
        try {
            record.extraCaDigest = digestOf(readFile(extra));
        }
        catch {
            // Node could not load it either (it warns and goes on): the main step trusted no extra CA.
        }
    }
    return JSON.stringify(record);
}
const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
/**
 * Puts the main step's network back into this process (`env` is process.env, `store` node:tls): the
 * variables as recorded, the default CA list without what this process's NODE_EXTRA_CA_CERTS added and
 * with what the recorded file holds, if it still holds what the main step read. Returns the variables that
 * said otherwise, or what cannot be honoured: nothing is changed then, and no credential may be sent.
 */
async function useMainStepNetwork(recorded, env, 
/** `store` is node:tls, loaded only when either step has extra CAs. */
deps) {
    let record;
    try {
        // The main step's own state; only a missing or older one is not a record.
        const parsed = JSON.parse(recorded);
        if (typeof parsed?.env !== 'object' || parsed.env === null)
            throw new Error('not a record');
        record = parsed;
    }
    catch {
        return {
            refused: {
                variable: 'the main step’s network settings',
                why: 'its state does not hold them (did the main step of this version of the action run?)'
            }
        };
    }
    const digests = record.digests ?? {};
    for (const name of NETWORK_VARIABLES) {
        const digest = digests[name];
        if (digest !== undefined && digestOf(env[name] ?? '') !== digest) {
            const why = 'it held a proxy password in the main step, which the post step does not keep, and a later step changed it';
            return { refused: { variable: name, why } };
        }
    }
    for (const name of ['SSL_CERT_FILE', 'SSL_CERT_DIR']) {
        if (env[name] !== record.env[name]) {
            const why = `it was ${describe(record.env[name])} in the main step and is ${describe(env[name])} now (OpenSSL reads it, so the post step cannot set it back)`;
            return { refused: { variable: name, why } };
        }
    }
    let extraCas = [];
    const extraPath = record.env.NODE_EXTRA_CA_CERTS;
    if (extraPath && record.extraCaDigest) {
        let text;
        try {
            text = deps.readFile(extraPath);
        }
        catch {
            // gone, or unreadable: refused below
        }
        if (text === undefined || digestOf(text) !== record.extraCaDigest) {
            const why = `the file it names (${(0,server_text/* printable */.g$)(extraPath, 300)}) ${text === undefined ? 'is gone or unreadable' : 'changed'} since the main step trusted it`;
            return { refused: { variable: 'NODE_EXTRA_CA_CERTS', why } };
        }
        extraCas = text.match(PEM_CERT) ?? [];
    }
    // What this process's NODE_EXTRA_CA_CERTS loaded at start is dropped, the recorded file's certificates added.
    if (env.NODE_EXTRA_CA_CERTS || extraCas.length > 0) {
        const store = await deps.store();
        if (typeof store.setDefaultCACertificates !== 'function') {
            return {
                refused: {
                    variable: 'NODE_EXTRA_CA_CERTS',
                    why: 'this Node.js cannot change its CA list (it needs Node.js 24)'
                }
            };
        }
        const loaded = new Set(store.getCACertificates('extra'));
        const base = store.getCACertificates('default').filter(cert => !loaded.has(cert));
        store.setDefaultCACertificates([...base, ...extraCas]);
    }
    /** A proxy URL with a password: the post step's own, which is the main step's (its digest matched). */
    const kept = (name) => digests[name] !== undefined;
    const ignored = NETWORK_VARIABLES.filter(name => !kept(name) && env[name] !== record.env[name]);
    for (const name of NETWORK_VARIABLES) {
        if (kept(name))
            continue;
        const value = record.env[name];
        if (typeof value === 'string')
            env[name] = value;
        else
            Reflect.deleteProperty(env, name);
    }
    return { ignored };
}
function describe(value) {
    return value === undefined ? 'unset' : `"${(0,server_text/* printable */.g$)(value, 300)}"`;
}


/***/ })

};
