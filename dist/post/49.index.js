export const id = 49;
export const ids = [49];
export const modules = {

/***/ 1049:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  stopTokenAgent: () => (/* binding */ stopTokenAgent)
});

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(7030);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
;// CONCATENATED MODULE: ./src/agent/protocol.ts
/**
 * How `binarly-token` and the post step talk to the token agent: one JSON line each way over the agent's
 * socket (a Unix socket in a 0700 directory, or a Windows named pipe), and the file in that directory that
 * says where the socket is. Types and names only, so the command's import graph stays tiny.
 */
/** The file in the agent's directory that tells callers where the agent listens and the key it wants. */
const AGENT_FILE = 'agent.json';
/** The variable the `binarly-token` wrapper scripts set to the agent's directory. */
const AGENT_DIR_VARIABLE = 'BINARLY_TOKEN_AGENT';
/** The prefix of the directory in the system's temp directory that holds the socket when RUNNER_TEMP is too deep. */
const SHORT_SOCKET_PREFIX = 'binarly-token-sock-';
/** A request or an answer never comes near this; a longer line is refused. */
const MAX_LINE_BYTES = 65_536;

;// CONCATENATED MODULE: ./src/agent/client.ts
/**
 * Asks the token agent one question: reads where it listens from its directory, sends one request line,
 * reads one answer line. Used by `binarly-token` and by the post step; node built-ins only.
 */




/** Why the agent could not be asked, in words a person can act on (never a key or a token). */
class AgentUnreachable extends Error {
    name = 'AgentUnreachable';
}
function readAgentFile(dir) {
    let text;
    try {
        text = (0,external_node_fs_.readFileSync)((0,external_node_path_.join)(dir, AGENT_FILE), 'utf8');
    }
    catch (error) {
        const code = String(error.code);
        throw new AgentUnreachable(`the token agent of this job is gone (${(0,external_node_path_.join)(dir, AGENT_FILE)}: ${code}): the post step of binarly-m2m-auth has stopped it, or the job's RUNNER_TEMP was emptied. Call binarly-token in the steps after the binarly-m2m-auth step (with token-command: true) of the same job.`);
    }
    return JSON.parse(text);
}
/** Sends `request` (the key is added) and resolves with the parsed answer line. */
function askAgent(dir, request, waitMs) {
    const agent = readAgentFile(dir);
    const limit = waitMs ?? agent.timeoutMs + 5000;
    return new Promise((resolve, reject) => {
        const socket = (0,external_node_net_.connect)(agent.socket);
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

// EXTERNAL MODULE: ./src/common/config.ts
var common_config = __webpack_require__(9523);
// EXTERNAL MODULE: ./src/common/errors.ts
var errors = __webpack_require__(1922);
// EXTERNAL MODULE: ./src/runner/masking.ts + 1 modules
var masking = __webpack_require__(443);
// EXTERNAL MODULE: ./src/oauth/revoke.ts + 6 modules
var revoke = __webpack_require__(9517);
// EXTERNAL MODULE: ./src/runner/state.ts
var state = __webpack_require__(6003);
;// CONCATENATED MODULE: ./src/agent/stop.ts
/**
 * token-command, in the post step: stops the job's token agent, removes its directory, and revokes every
 * token the agent minted that is still valid (the main step's own token is revoked by run-post as before).
 * Never throws: whatever goes wrong is a warning, and tokens that cannot be revoked expire on their own.
 */









/** How long the post step waits for the agent to exit after its answer. */
const STOP_WAIT_MS = 5000;
async function stopTokenAgent(deps) {
    const { core } = deps;
    const dir = core.getState(state/* STATE */.c.tokenAgentDir);
    if (!dir)
        return;
    const pid = Number(core.getState(state/* STATE */.c.tokenAgentPid));
    let stopped;
    try {
        // Waits as long as a caller would: the agent answers once an exchange it is running has finished.
        stopped = await askAgent(dir, { op: 'stop' });
        for (const token of stopped.minted)
            core.setSecret(token.accessToken);
    }
    catch (error) {
        core.info(`The token agent had ended already: ${(0,errors/* describeError */.Uc)(error)}`);
    }
    if (stopped && pid > 0) {
        // It exits right after its answer; one that hangs is ended here (it is known to be the agent: it answered).
        const deadline = deps.clock.now() + STOP_WAIT_MS;
        while (deps.alive(pid) && deps.clock.now() < deadline)
            await deps.clock.sleep(50);
        if (deps.alive(pid))
            deps.kill(pid);
    }
    for (const path of leftovers(dir))
        (0,external_node_fs_.rmSync)(path, { recursive: true, force: true });
    if (!stopped)
        return;
    core.info(`Stopped the token agent of binarly-token; it minted ${stopped.minted.length} token${stopped.minted.length === 1 ? '' : 's'} still valid.`);
    if (stopped.minted.length > 0)
        await revokeMinted(stopped, deps);
}
/** The agent's directory, and the socket's own directory when a deep RUNNER_TEMP put it elsewhere. */
function leftovers(dir) {
    try {
        const { socket } = readAgentFile(dir);
        const socketDir = (0,external_node_path_.dirname)(socket);
        return socketDir !== dir && (0,external_node_path_.basename)(socketDir).startsWith(SHORT_SOCKET_PREFIX) ? [dir, socketDir] : [dir];
    }
    catch {
        return [dir];
    }
}
async function revokeMinted(stopped, deps) {
    const { core } = deps;
    const config = (0,common_config/* readConfig */.Xg)(deps.inputs, { readFile: path => deps.readFile(path) });
    if (!config.revoke) {
        core.debug('Revocation of the tokens binarly-token minted skipped: revoke is false.');
        return;
    }
    (0,masking/* maskConfiguredSecrets */.Q)(config, deps.env, secret => core.setSecret(secret));
    const { revocationEndpoint } = stopped;
    if (!revocationEndpoint) {
        core.debug('Revocation of the tokens binarly-token minted skipped: no revocation endpoint is known (auth-url is not a Keycloak token endpoint, and discovery named none).');
        return;
    }
    const revokeDeps = await (0,revoke/* postStepRevocation */.zZ)(config, revocationEndpoint, stopped.oidcAudience || undefined, deps);
    let revoked = 0;
    for (const token of stopped.minted) {
        try {
            await (0,revoke/* revokeToken */.w$)(config, {
                token: token.accessToken,
                revocationEndpoint,
                tokenEndpoint: stopped.tokenEndpoint,
                expiresAt: token.expiresAt ?? ''
            }, revokeDeps);
            revoked++;
        }
        catch (error) {
            core.warning(`binarly-m2m-auth: ${(0,errors/* describeError */.Uc)(error)}`);
        }
    }
    core.info(`Revoked ${revoked} of the ${stopped.minted.length} tokens binarly-token minted at ${revocationEndpoint}.`);
}


/***/ })

};
