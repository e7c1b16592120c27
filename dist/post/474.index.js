export const id = 474;
export const ids = [474];
export const modules = {

/***/ 3474:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  stopTokenAgent: () => (/* binding */ stopTokenAgent)
});

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./src/common/config.ts
var common_config = __webpack_require__(9523);
// EXTERNAL MODULE: ./src/common/errors.ts
var errors = __webpack_require__(1922);
// EXTERNAL MODULE: ./src/common/server-text.ts
var server_text = __webpack_require__(1740);
// EXTERNAL MODULE: ./src/net/attempts.ts + 1 modules
var net_attempts = __webpack_require__(1823);
// EXTERNAL MODULE: ./src/oauth/token-response.ts
var token_response = __webpack_require__(6912);
;// CONCATENATED MODULE: ./src/oauth/endpoints.ts
/**
 * Where to send the token request (and, later, the revocation): the Auth URL itself when it is a token
 * endpoint, else what OpenID discovery (`<url>/.well-known/openid-configuration`) says.
 */




const KEYCLOAK_TOKEN_PATH = '/protocol/openid-connect/token';
const WELL_KNOWN = '/.well-known/openid-configuration';
/** An Auth URL whose path ends in `/token` is taken as the token endpoint itself. */
function isTokenEndpoint(url) {
    return /\/token\/?$/.test(url.pathname);
}
/** Endpoints known from the URL alone (no request), or undefined when discovery is needed. */
function endpointsFromUrl(url) {
    if (!isTokenEndpoint(url))
        return undefined;
    const href = url.href;
    const keycloak = url.pathname.replace(/\/$/, '').endsWith(KEYCLOAK_TOKEN_PATH) && !url.search;
    const issuer = keycloak ? href.replace(/\/?$/, '').slice(0, -KEYCLOAK_TOKEN_PATH.length) : undefined;
    return {
        tokenEndpoint: href,
        revocationEndpoint: keycloak ? href.replace(/\/token\/?$/, '/revoke') : undefined,
        issuer,
        discoveredFrom: undefined
    };
}
function discoveryUrl(url) {
    if (url.pathname.endsWith(WELL_KNOWN))
        return url.href;
    const base = new URL(url.href);
    base.pathname = `${base.pathname.replace(/\/+$/, '')}${WELL_KNOWN}`;
    return base.href;
}
/**
 * The issuer discovery starts from: auth-url without the well-known suffix and trailing slashes. It is also
 * the default GitHub OIDC audience, so that a discovery document never chooses it.
 */
function issuerOf(url) {
    const href = url.href.endsWith(WELL_KNOWN) ? url.href.slice(0, -WELL_KNOWN.length) : url.href;
    return href.replace(/\/+$/, '');
}
/**
 * Reads a discovery document; pure. The document must name the issuer discovery started from (OpenID
 * Connect Discovery 1.0 §4.3), and endpoints on the origin of auth-url: credentials go nowhere else (and
 * the http:// policy, applied to auth-url, holds for them too).
 */
function parseDiscovery(body, authUrl, documentUrl) {
    let doc;
    try {
        doc = JSON.parse(body);
    }
    catch {
        doc = undefined;
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
        throw new errors/* InputError */.dz('auth-url', `${documentUrl} did not return an OpenID configuration (not a JSON object): set auth-url to the token endpoint (…/protocol/openid-connect/token) or the realm URL (…/realms/BinarlyRealm).`);
    }
    const record = doc;
    const issuer = issuerOf(authUrl);
    const stated = typeof record.issuer === 'string' ? record.issuer : undefined;
    if (stated?.replace(/\/+$/, '') !== issuer) {
        throw new errors/* InputError */.dz('auth-url', `the OpenID configuration at ${documentUrl} states ${stated === undefined ? 'no issuer' : `issuer "${(0,server_text/* printable */.g$)(stated, 200)}"`}, not the URL discovery started from (${issuer}), as OpenID Connect Discovery 1.0 §4.3 requires: set auth-url to the realm URL under the host name the server states (Keycloak: its hostname setting), or to the token endpoint itself (…/protocol/openid-connect/token).`);
    }
    const tokenEndpoint = httpUrl(record.token_endpoint);
    if (!tokenEndpoint) {
        throw new errors/* InputError */.dz('auth-url', `the OpenID configuration at ${documentUrl} names no valid token_endpoint: set auth-url to the token endpoint itself.`);
    }
    const revocationEndpoint = httpUrl(record.revocation_endpoint);
    for (const [field, url] of [
        ['token_endpoint', tokenEndpoint],
        ['revocation_endpoint', revocationEndpoint]
    ]) {
        if (url && new URL(url).origin !== authUrl.origin) {
            throw new errors/* InputError */.dz('auth-url', `the OpenID configuration at ${documentUrl} names the ${field} ${(0,server_text/* printable */.g$)(url, 200)}, which is not on the origin of auth-url (${authUrl.origin}), and credentials are sent only there: if that server is yours, set auth-url to the token endpoint itself.`);
        }
    }
    return { tokenEndpoint, revocationEndpoint, issuer, discoveredFrom: documentUrl };
}
/**
 * An http(s) URL, without its fragment: an endpoint has none (RFC 6749 §3.1, §3.2), none is ever sent, and
 * a fragment is the only part of a URL that can hold `##[`, which the runner reads as a command in a log line.
 */
function httpUrl(value) {
    if (typeof value !== 'string')
        return undefined;
    try {
        const url = new URL(value);
        url.hash = '';
        return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
    }
    catch {
        return undefined;
    }
}
async function resolveEndpoints(authUrl, transport, attempts) {
    const known = endpointsFromUrl(authUrl);
    if (known)
        return known;
    const documentUrl = discoveryUrl(authUrl);
    const body = await (0,net_attempts/* withAttempts */.dP)('OpenID discovery', documentUrl, attempts, async (timeoutMs) => {
        const response = await transport({
            method: 'GET',
            url: documentUrl,
            headers: { accept: 'application/json' },
            timeoutMs
        });
        if (response.status === 200)
            return { ok: true, value: response.body };
        return { ok: false, failure: (0,token_response/* errorFailure */.$3)(response, attempts.clock.now()) };
    }, failure => {
        const hint = failure.status === 404 || (failure.error && /realm/i.test(failure.error))
            ? ` ${legacyAuthPathHint(authUrl) ?? 'auth-url is neither a token endpoint nor an issuer with OpenID discovery: use …/realms/BinarlyRealm/protocol/openid-connect/token, or the realm URL …/realms/BinarlyRealm (the realm name is case-sensitive).'}`
            : '';
        return `OpenID discovery at ${documentUrl} failed: ${failure.status ? `HTTP ${failure.status}, ` : ''}${(0,errors/* sentence */.em)(failure.detail)}${hint}`;
    });
    return parseDiscovery(body, authUrl, documentUrl);
}
/**
 * Keycloak serves realms at /realms/… since version 17, no longer under /auth/realms/…, which older guides
 * show; it answers that old path with HTTP 404 "Unable to find matching target resource method". For a URL
 * with /auth before /realms: what to change. Pure.
 */
function legacyAuthPathHint(url) {
    if (!/\/auth\/realms\//.test(new URL(url).pathname))
        return undefined;
    return 'auth-url has /auth before /realms, the path of Keycloak before version 17: remove /auth, so that it is …/realms/BinarlyRealm/protocol/openid-connect/token (or the realm URL …/realms/BinarlyRealm).';
}

// EXTERNAL MODULE: ./src/oauth/github-oidc.ts
var github_oidc = __webpack_require__(156);
// EXTERNAL MODULE: ./src/oauth/post-revocation.ts
var post_revocation = __webpack_require__(1222);
// EXTERNAL MODULE: ./src/oauth/revoke.ts + 1 modules
var revoke = __webpack_require__(7797);
// EXTERNAL MODULE: ./src/net/retry.ts
var retry = __webpack_require__(7893);
// EXTERNAL MODULE: ./src/runner/masking.ts
var masking = __webpack_require__(1762);
// EXTERNAL MODULE: ./src/runner/state.ts
var runner_state = __webpack_require__(6003);
;// CONCATENATED MODULE: ./src/agent/protocol.ts
/**
 * How `binarly-token` and the post step talk to the token agent over its socket (a Unix socket in a 0700
 * directory, or a Windows named pipe): `binarly-token` sends one JSON line with the callers' key from the
 * agent's file and reads one JSON line; the post step's stop (below, apart) is authenticated both ways with
 * a stop key only the main step's state and the agent hold, and answered one token record a line. Types and
 * names only, so the command's import graph stays tiny.
 */
/** The file in the agent's directory that tells callers where the agent listens and the key it wants. */
const protocol_AGENT_FILE = 'agent.json';
/** The variable the main step exports with the path of `binarly-token` (<agent directory>/bin/binarly-token). */
const COMMAND_VARIABLE = 'BINARLY_TOKEN_COMMAND';
/** The variable the `binarly-token` wrapper scripts set to the agent's directory. */
const AGENT_DIR_VARIABLE = 'BINARLY_TOKEN_AGENT';
/** The prefix of the directory in the system's temp directory that holds the socket when RUNNER_TEMP is too deep. */
const SHORT_SOCKET_PREFIX = 'binarly-token-sock-';
/**
 * No line of a request or an answer comes near this; a longer one is refused. A line carries at most one
 * token, a token is at most the 1 MiB a token answer may be (MAX_BODY_BYTES), and JSON escaping makes a
 * character at most six: 8 MiB.
 */
const protocol_MAX_LINE_BYTES = 8_388_608;
/** The most a caller may ask a token to stay valid, in seconds (a day; `--min-validity` says so too). */
const MAX_MIN_VALIDITY = 86_400;

// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(7030);
;// CONCATENATED MODULE: ./src/agent/client.ts
/**
 * Asks the token agent one question: reads where it listens from its directory, sends one request line,
 * reads one answer line. Used by `binarly-token` (the post step's stop is stop-request.ts); node built-ins only.
 */




/** Why the agent could not be asked, in words a person can act on (never a key or a token). */
class AgentUnreachable extends Error {
    name = 'AgentUnreachable';
}
function readAgentFile(dir) {
    let text;
    try {
        text = readFileSync(join(dir, AGENT_FILE), 'utf8');
    }
    catch (error) {
        const code = String(error.code);
        throw new AgentUnreachable(`the token agent of this job is gone (${join(dir, AGENT_FILE)}: ${code}): the post step of binarly-m2m-auth has stopped it, or the job's RUNNER_TEMP was emptied. Call binarly-token in the steps after the binarly-m2m-auth step (with token-command: true) of the same job.`);
    }
    return JSON.parse(text);
}
/** Sends `request` (the key is added) and resolves with the parsed answer line. */
function askAgent(dir, request, waitMs) {
    const agent = readAgentFile(dir);
    const limit = waitMs ?? agent.timeoutMs + 5000;
    return new Promise((resolve, reject) => {
        const socket = connect(agent.socket);
        let answer = '';
        const fail = (message) => {
            clearTimeout(timer);
            socket.destroy();
            reject(new AgentUnreachable(message));
        };
        const timer = setTimeout(() => fail(`the token agent did not answer within ${Math.round(limit / 1000)} s`), limit);
        socket.setEncoding('utf8');
        socket.on('connect', () => socket.write(`${JSON.stringify({ ...request, key: agent.key })}\n`));
        socket.on('data', (chunk) => {
            answer += chunk;
            if (answer.length > MAX_LINE_BYTES)
                fail('the token agent answered with more than a line');
        });
        socket.on('error', (error) => {
            fail(`the token agent of this job is not running (${String(error.code)} at its socket): it ended with the job, or was killed. Re-run the job; if this keeps happening, report it with the job's log.`);
        });
        socket.on('end', () => {
            clearTimeout(timer);
            const line = answer.split('\n', 1).join('');
            try {
                resolve(JSON.parse(line));
            }
            catch {
                reject(new AgentUnreachable('the token agent closed the connection without an answer'));
            }
        });
    });
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
;// CONCATENATED MODULE: ./src/agent/stop-proof.ts
/**
 * The post step's stop, authenticated both ways with a stop key that only the main step's state and the agent
 * hold (never agent.json, never a later step): the request carries a fresh nonce and its HMAC under the key,
 * so only the post step can stop the agent; the answer's last line carries the HMAC of that nonce and of
 * every line before it, so the post step acts only on what the agent the main step started sent. The key
 * itself never travels. Pure but for the random bytes.
 */

const REQUEST_LABEL = 'binarly-token stop request\n';
const ANSWER_LABEL = 'binarly-token stop answer\n';
/** A fresh random value: the stop key, or a nonce. */
function freshSecret() {
    return (0,external_node_crypto_.randomBytes)(32).toString('base64url');
}
/** What a stop request must carry beside its nonce. */
function requestProof(stopKey, nonce) {
    return (0,external_node_crypto_.createHmac)('sha256', stopKey).update(REQUEST_LABEL).update(nonce).digest('base64url');
}
/** The MAC of a stop answer: fed every line, in order; `proof()` is what its last line carries. */
class AnswerProof {
    hmac;
    constructor(stopKey, nonce) {
        this.hmac = (0,external_node_crypto_.createHmac)('sha256', stopKey).update(ANSWER_LABEL).update(nonce).update('\n');
    }
    line(text) {
        this.hmac.update(text).update('\n');
    }
    proof() {
        return this.hmac.digest('base64url');
    }
}
/** Whether two proofs are equal, in a time that says nothing about where they differ (or their lengths). */
function sameProof(a, b) {
    const digest = (text) => (0,external_node_crypto_.createHash)('sha256').update(text).digest();
    return (0,external_node_crypto_.timingSafeEqual)(digest(a), digest(b));
}

;// CONCATENATED MODULE: ./src/agent/stop-request.ts
/**
 * The post step's side of the stop: connects to the socket (or pipe) the main step's state names, sends a
 * stop request with a fresh nonce and its proof, reads the answer one line at a time (one token record a
 * line), and accepts it only when its last line proves, under the stop key, that the agent the main step
 * started sent exactly these lines. Nothing of an answer that does not prove so is returned, masked or acted
 * on; and what is kept until the proof is bounded (records, bytes), so that whatever listens at the socket
 * cannot grow the post step's memory without end.
 */




/**
 * More token records than any agent mints in its day (one exchange a second would be 86,400; the agent
 * hands out its current token while it is good enough), and more bytes than such an answer takes (a record
 * without its token is some 150 bytes; only tokens still valid carry theirs).
 */
const MAX_STOP_RECORDS = 100_000;
const MAX_STOP_ANSWER_BYTES = 32 * 1024 * 1024;
const NEWLINE = 0x0a;
/** Something answered, but did not prove to be the agent the main step started. */
class AgentUnverified extends Error {
    name = 'AgentUnverified';
}
/** Asks the agent at `socket` to stop; resolves with its token records once their proof holds. */
function requestStop(socket, stopKey, waitMs) {
    const nonce = freshSecret();
    const proof = new AnswerProof(stopKey, nonce);
    const records = [];
    return new Promise((resolve, reject) => {
        const connection = (0,external_node_net_.connect)(socket);
        /** The unfinished line, in bytes (a character may be split between chunks), and the answer's size. */
        let pending = [];
        let pendingBytes = 0;
        let answerBytes = 0;
        // Settling twice does nothing: a promise settles once, and the connection is gone after the first.
        const finish = (error) => {
            clearTimeout(timer);
            connection.destroy();
            if (error)
                reject(error);
            else
                resolve(records);
        };
        const unverified = (why) => finish(new AgentUnverified(`what answers at the agent's socket did not prove to be the agent the main step started (${why})`));
        const timer = setTimeout(() => finish(new AgentUnreachable(`the token agent did not finish its answer within ${Math.round(waitMs / 1000)} s`)), waitMs);
        /** One line of the answer; true when it was the last one read (the answer is done with). */
        const line = (text) => {
            let parsed;
            try {
                parsed = JSON.parse(text);
            }
            catch {
                unverified('a line of its answer is not JSON');
                return true;
            }
            const end = stopEnd(parsed);
            if (end) {
                if (end.count !== records.length || !sameProof(end.proof, proof.proof()))
                    unverified('its answer’s proof does not hold');
                else
                    finish(undefined);
                return true;
            }
            // A refusal is not quoted: nothing of an answer that does not prove is printed.
            if (record(parsed)?.ok === false) {
                unverified('it refused the stop');
                return true;
            }
            const entry = stopLine(parsed);
            if (!entry) {
                unverified('a line of its answer is not a token record');
                return true;
            }
            if (records.length >= MAX_STOP_RECORDS) {
                unverified(`its answer holds more than ${MAX_STOP_RECORDS} token records`);
                return true;
            }
            proof.line(text);
            records.push(entry);
            return false;
        };
        connection.on('connect', () => connection.write(`${JSON.stringify({ op: 'stop', nonce, proof: requestProof(stopKey, nonce) })}\n`));
        connection.on('data', (chunk) => {
            answerBytes += chunk.length;
            if (answerBytes > MAX_STOP_ANSWER_BYTES)
                return unverified(`its answer is larger than ${MAX_STOP_ANSWER_BYTES / 1024 / 1024} MiB`);
            // Only the new chunk is searched for line ends: an answer of many megabytes costs one pass.
            let start = 0;
            let newline;
            while ((newline = chunk.indexOf(NEWLINE, start)) >= 0) {
                const text = Buffer.concat([...pending, chunk.subarray(start, newline)]).toString('utf8');
                pending = [];
                pendingBytes = 0;
                start = newline + 1;
                if (line(text))
                    return;
            }
            const rest = chunk.subarray(start);
            pending.push(rest);
            pendingBytes += rest.length;
            if (pendingBytes > protocol_MAX_LINE_BYTES)
                unverified('a line of its answer is longer than any token');
        });
        connection.on('error', (error) => finish(new AgentUnreachable(`nothing answers at its socket (${String(error.code)}): it ended, or was killed`)));
        connection.on('end', () => unverified('it closed the connection before the end of its answer'));
    });
}
function record(value) {
    return value !== null && typeof value === 'object' && !Array.isArray(value)
        ? value
        : undefined;
}
function stopEnd(value) {
    const r = record(value);
    if (r?.end !== true || typeof r.count !== 'number' || typeof r.proof !== 'string')
        return undefined;
    return { count: r.count, proof: r.proof };
}
const MINT_SOURCES = ['binarly-token', 'renewal', 'renewal of the shared token'];
const isoTime = (value) => typeof value === 'string' && !Number.isNaN(Date.parse(value));
/** A token record as the agent writes it, or undefined. */
function stopLine(value) {
    const r = record(value);
    if (!r || !MINT_SOURCES.includes(r.source) || !isoTime(r.mintedAt))
        return undefined;
    if (r.expiresAt !== null && !isoTime(r.expiresAt))
        return undefined;
    if (r.revokedAtRenewal !== undefined && !isoTime(r.revokedAtRenewal))
        return undefined;
    if (r.token !== undefined && (typeof r.token !== 'string' || r.token === ''))
        return undefined;
    return {
        source: r.source,
        mintedAt: r.mintedAt,
        expiresAt: r.expiresAt,
        ...(r.revokedAtRenewal === undefined ? {} : { revokedAtRenewal: r.revokedAtRenewal }),
        ...(r.token === undefined ? {} : { token: r.token })
    };
}

;// CONCATENATED MODULE: ./src/agent/stop.ts
/**
 * token-command, in the post step: stops the job's token agent, removes its directory, and revokes every
 * token the agent minted that is still valid (the main step's own token is revoked by run-post as before).
 * It trusts only the main step's state and the inputs, never the agent's directory, which later steps can
 * rewrite: the socket, process and stop key come from the state; the answer counts only once the agent has
 * proved it knows the stop key (stop-request.ts), and holds token records, nothing else; where the client's
 * credentials go (revocation and token endpoints, the GitHub OIDC audience) is what the main step used, or
 * what auth-url gives by the main step's rules. Never throws: an agent that cannot be reached or verified,
 * or a token that cannot be revoked, is a warning (such tokens expire on their own). Resolves with a row of
 * the job's token audit for every token the agent minted.
 */














/** How long the post step waits for the agent to exit after its answer. */
const STOP_WAIT_MS = 5000;
/** How long the post step waits for the answer when the state does not say (the default timeout, and 5 s). */
const DEFAULT_ANSWER_WAIT_MS = 35_000;
const WARNING = 'binarly-m2m-auth: binarly-token:';
async function stopTokenAgent(deps) {
    const { core } = deps;
    const state = (name) => core.getState(name);
    const dir = state(runner_state/* STATE */.c.tokenAgentDir);
    if (!dir)
        return [];
    const socket = state(runner_state/* STATE */.c.tokenAgentSocket);
    const stopKey = state(runner_state/* STATE */.c.tokenAgentStopKey);
    const pid = Number(state(runner_state/* STATE */.c.tokenAgentPid));
    core.setSecret(stopKey);
    let records;
    try {
        records = await requestStop(socket, stopKey, Number(state(runner_state/* STATE */.c.tokenAgentWaitMs)) || DEFAULT_ANSWER_WAIT_MS);
    }
    catch (error) {
        core.warning(`${WARNING} could not stop the job's token agent: ${(0,errors/* sentence */.em)((0,errors/* describeError */.Uc)(error))} Every token binarly-token minted in this job stays valid until it expires (how many it minted only the agent knew). If a step of this job ends or replaces the agent, do not run it in the same job as token-command: true.`);
    }
    if (records) {
        // Masked before anything else is written: the tokens of the agent the main step started.
        for (const record of records)
            if (record.token)
                core.setSecret(record.token);
        if (pid > 0)
            await waitForExit(pid, deps);
    }
    for (const path of leftovers(dir, socket))
        (0,external_node_fs_.rmSync)(path, { recursive: true, force: true });
    if (!records)
        return [
            {
                mintedBy: 'binarly-token',
                mintedAt: undefined,
                expiresAt: undefined,
                outcome: 'unknown: the agent could not be reached or verified'
            }
        ];
    const live = records.filter(record => record.token).length;
    core.info(`Stopped the token agent of binarly-token; it minted ${records.length} token${records.length === 1 ? '' : 's'}, ${live} still valid.`);
    const outcomes = live > 0 ? await revokeMinted(records, deps) : new Map();
    return records.map(record => ({
        mintedBy: record.source,
        mintedAt: record.mintedAt,
        expiresAt: record.expiresAt ?? undefined,
        outcome: outcomes.get(record) ??
            (record.revokedAtRenewal ? `revoked at its renewal (${record.revokedAtRenewal})` : 'expired before the post step')
    }));
}
/** Waits for the agent to exit after its answer; one that hangs is ended (it proved to be the agent). */
async function waitForExit(pid, deps) {
    const deadline = deps.clock.now() + STOP_WAIT_MS;
    while (deps.alive(pid) && deps.clock.now() < deadline)
        await deps.clock.sleep(50);
    if (!deps.alive(pid)) {
        deps.core.debug(`The token agent (process ${pid}) has ended.`);
        return;
    }
    deps.kill(pid);
    deps.core.debug(`The token agent (process ${pid}) had not ended ${STOP_WAIT_MS / 1000} s after its answer: killed it.`);
}
/** The agent's directory, and the socket's own directory when a deep RUNNER_TEMP put it elsewhere. */
function leftovers(dir, socket) {
    const socketDir = (0,external_node_path_.dirname)(socket);
    return socketDir !== dir && (0,external_node_path_.basename)(socketDir).startsWith(SHORT_SOCKET_PREFIX) ? [dir, socketDir] : [dir];
}
/** Revokes the still valid tokens; resolves with what became of each. */
async function revokeMinted(records, deps) {
    const { core } = deps;
    const outcomes = new Map();
    const live = records.filter(record => record.token);
    const all = (outcome) => {
        for (const record of live)
            outcomes.set(record, outcome);
        return outcomes;
    };
    let config;
    try {
        config = (0,common_config/* readConfig */.Xg)(deps.inputs, { readFile: path => deps.readFile(path) });
    }
    catch (error) {
        core.warning(`${WARNING} ${(0,errors/* describeError */.Uc)(error)}`);
        return all('not revoked: the inputs could not be read');
    }
    if (!config.revoke) {
        core.debug('Revocation of the tokens binarly-token minted skipped: revoke is false.');
        return all('not revoked: revoke is false');
    }
    (0,masking/* maskConfiguredSecrets */.Q)(config, deps.env, secret => core.setSecret(secret));
    const refused = await deps.network?.();
    if (refused)
        return all(refused);
    let target;
    try {
        target = await revocationTarget(config, deps);
    }
    catch (error) {
        core.warning(`${WARNING} ${(0,errors/* describeError */.Uc)(error)}`);
        return all('not revoked: no revocation endpoint could be found');
    }
    if (!target.endpoints.revocationEndpoint) {
        core.debug('Revocation of the tokens binarly-token minted skipped: no revocation endpoint is known (auth-url is not a Keycloak token endpoint, and discovery named none).');
        return all('not revoked: no revocation endpoint is known');
    }
    const { revocationEndpoint, tokenEndpoint } = target.endpoints;
    const revokeDeps = await (0,post_revocation/* postStepRevocation */.z)(config, revocationEndpoint, target.audience, deps);
    let revoked = 0;
    for (const record of live) {
        try {
            await (0,revoke/* revokeToken */.w$)(config, { token: record.token ?? '', revocationEndpoint, tokenEndpoint, expiresAt: record.expiresAt ?? '' }, revokeDeps);
            outcomes.set(record, 'revoked');
            revoked++;
        }
        catch (error) {
            core.warning(`binarly-m2m-auth: ${(0,errors/* describeError */.Uc)(error)}`);
            outcomes.set(record, 'not revoked: the revocation failed (see the warnings)');
        }
    }
    core.info(`Revoked ${revoked} of the ${live.length} tokens binarly-token minted at ${(0,server_text/* printable */.g$)(revocationEndpoint, 500)}.`);
    return outcomes;
}
/**
 * Where the tokens are revoked and with which GitHub OIDC audience: what the main step used (its state), or,
 * when it made no request (it reused a shared-token), what auth-url gives by the main step's rules
 * (discovery's endpoints held to auth-url's origin). Never anything the agent said.
 */
async function revocationTarget(config, deps) {
    const state = (name) => deps.core.getState(name);
    const tokenEndpoint = state(runner_state/* STATE */.c.tokenEndpoint);
    if (tokenEndpoint) {
        return {
            endpoints: {
                tokenEndpoint,
                revocationEndpoint: state(runner_state/* STATE */.c.revocationEndpoint) || undefined,
                issuer: undefined,
                discoveredFrom: undefined
            },
            audience: state(runner_state/* STATE */.c.oidcAudience) || undefined
        };
    }
    const totalMs = (0,revoke/* revokeTimeoutMs */.os)(config);
    const endpoints = await resolveEndpoints(config.authUrl, deps.transport, {
        policy: { retries: 0, deadline: deps.clock.now() + totalMs, baseDelayMs: retry/* BASE_DELAY_MS */.hY, maxDelayMs: retry/* MAX_DELAY_MS */.Mg },
        totalMs,
        clock: deps.clock,
        log: deps.core
    });
    return { endpoints, audience: (0,github_oidc/* oidcAudience */.gg)(config, endpoints) };
}


/***/ })

};
