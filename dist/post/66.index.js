export const id = 66;
export const ids = [66];
export const modules = {

/***/ 6066:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   NETWORK_VARIABLES: () => (/* binding */ NETWORK_VARIABLES),
/* harmony export */   recordNetwork: () => (/* binding */ recordNetwork),
/* harmony export */   useMainStepNetwork: () => (/* binding */ useMainStepNetwork)
/* harmony export */ });
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _common_server_text_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(1740);
/* harmony import */ var _proxy_secrets_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(2991);
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
const PROXY_VARIABLES = new Set([
    'HTTPS_PROXY',
    'https_proxy',
    'HTTP_PROXY',
    'http_proxy'
]);
const digestOf = (text) => (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256').update(text).digest('hex');
/** The main step's network, as JSON for its state. `readFile` reads a file as text (throws when it cannot). */
function recordNetwork(env, readFile) {
    const digests = {};
    const record = { env: {}, digests };
    for (const name of NETWORK_VARIABLES) {
        const value = env[name];
        if (value === undefined)
            continue;
        if (PROXY_VARIABLES.has(name) && (0,_proxy_secrets_js__WEBPACK_IMPORTED_MODULE_2__/* .proxyPassword */ .m)(value))
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
            const why = `the file it names (${(0,_common_server_text_js__WEBPACK_IMPORTED_MODULE_1__/* .printable */ .g$)(extraPath, 300)}) ${text === undefined ? 'is gone or unreadable' : 'changed'} since the main step trusted it`;
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
    return value === undefined ? 'unset' : `"${(0,_common_server_text_js__WEBPACK_IMPORTED_MODULE_1__/* .printable */ .g$)(value, 300)}"`;
}


/***/ })

};
