export const id = 430;
export const ids = [430];
export const modules = {

/***/ 9430:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  installTokenCommand: () => (/* binding */ installTokenCommand),
  processTokenCommandDeps: () => (/* binding */ processTokenCommandDeps)
});

// UNUSED EXPORTS: AGENT_MAX_LIFETIME_MS, COMMAND_NAME, COMMAND_VARIABLE, agentEnv, cmdScript, shScript

// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(1421);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
;// CONCATENATED MODULE: ./src/agent/protocol.ts
/**
 * How `binarly-token` and the post step talk to the token agent over its socket (a Unix socket in a 0700
 * directory, or a Windows named pipe): `binarly-token` sends one JSON line with the callers' key from the
 * agent's file and reads one JSON line; the post step's stop (below, apart) is authenticated both ways with
 * a stop key only the main step's state and the agent hold, and answered one token record a line. Types and
 * names only, so the command's import graph stays tiny.
 */
/** The file in the agent's directory that tells callers where the agent listens and the key it wants. */
const AGENT_FILE = 'agent.json';
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
const MAX_LINE_BYTES = 8_388_608;
/** The most a caller may ask a token to stay valid, in seconds (a day; `--min-validity` says so too). */
const MAX_MIN_VALIDITY = 86_400;

;// CONCATENATED MODULE: ./src/agent/ipc.ts
/** Closes the IPC pipe unless the other side has closed it already. */
function closeIpc(channel) {
    if (channel.connected)
        channel.disconnect();
}

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
    return createHmac('sha256', stopKey).update(REQUEST_LABEL).update(nonce).digest('base64url');
}
/** The MAC of a stop answer: fed every line, in order; `proof()` is what its last line carries. */
class AnswerProof {
    hmac;
    constructor(stopKey, nonce) {
        this.hmac = createHmac('sha256', stopKey).update(ANSWER_LABEL).update(nonce).update('\n');
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
    const digest = (text) => createHash('sha256').update(text).digest();
    return timingSafeEqual(digest(a), digest(b));
}

// EXTERNAL MODULE: ./src/common/errors.ts
var errors = __webpack_require__(1922);
// EXTERNAL MODULE: ./src/runner/state.ts
var state = __webpack_require__(6003);
;// CONCATENATED MODULE: ./src/agent/start.ts
/**
 * token-command: true, in the main step: starts the job's token agent (agent/server.ts) as a detached
 * process of the runner's Node, hands it the configuration over its IPC pipe, and puts `binarly-token`
 * (a POSIX sh script and a Windows .cmd, both running dist/token) on PATH for the later steps. The agent's
 * directory is 0700, fresh under RUNNER_TEMP; it holds the socket (POSIX), the callers' key file and the
 * scripts, never a credential. What the post step needs to stop the agent (its socket, process and a stop
 * key of its own) goes into the main step's state, which later steps cannot read or change.
 */










const COMMAND_NAME = 'binarly-token';

/** The agent ends by itself this long after it started, if nothing ended it before. */
const AGENT_MAX_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** How much longer than `timeout` the post step waits for the agent's stop answer (it waits for exchanges). */
const STOP_GRACE_MS = 5000;
/** How long the main step waits for the agent to listen. */
const START_TIMEOUT_MS = 15_000;
/** Unix socket paths longer than this do not fit in sockaddr_un on every system (macOS: 104 bytes). */
const MAX_SOCKET_PATH = 100;
/** The variables the agent keeps from the main step's environment: no INPUT_* (they hold the secret). */
const AGENT_ENV = /^(PATH|HOME|USERPROFILE|SYSTEMROOT|WINDIR|COMSPEC|TEMP|TMP|TMPDIR|LANG|LC_ALL|TZ|RUNNER_TEMP|RUNNER_TRACKING_ID|NODE_EXTRA_CA_CERTS|NODE_OPTIONS|NODE_USE_ENV_PROXY|NODE_V8_COVERAGE|SSL_CERT_FILE|SSL_CERT_DIR|HTTPS_PROXY|HTTP_PROXY|NO_PROXY|ACTIONS_ID_TOKEN_REQUEST_URL|ACTIONS_ID_TOKEN_REQUEST_TOKEN)$/i;
function agentEnv(env) {
    return Object.fromEntries(Object.entries(env).filter(([name]) => AGENT_ENV.test(name)));
}
/** The real process: the runner's Node, the bundles next to this one, the runner worker as parent. */
function processTokenCommandDeps(deps) {
    return {
        core: deps.core,
        env: deps.env,
        nodePath: process.execPath,
        /* c8 ignore next: argv[1] (the bundle a runner runs) is always there; the fallback is for the type checker */
        bundleRoot: (0,external_node_path_.dirname)((0,external_node_path_.dirname)(process.argv[1] ?? '.')),
        platform: process.platform,
        parentPid: process.ppid
    };
}
/** The sh script later steps run as `binarly-token`. */
function shScript(node, bundle, dir) {
    const q = (value) => `'${value.replace(/'/g, `'\\''`)}'`;
    return `#!/bin/sh\n# binarly-token (binarly-m2m-auth token-command): prints an access token for this job.\n${AGENT_DIR_VARIABLE}=${q(dir)}\nexport ${AGENT_DIR_VARIABLE}\nexec ${q(node)} ${q(bundle)} "$@"\n`;
}
/**
 * The cmd script (pwsh and cmd find it through PATHEXT). Its paths may hold what cmd treats specially: inside
 * quotes, & ( ) ^ are plain; % is doubled; ! is plain only with delayed expansion off, which `setlocal` turns
 * off whatever the caller had (a `call binarly-token` from a script with `setlocal EnableDelayedExpansion`
 * would otherwise drop the text between two !).
 */
function cmdScript(node, bundle, dir) {
    const q = (value) => value.replace(/%/g, '%%');
    return `@echo off\r\nrem binarly-token (binarly-m2m-auth token-command): prints an access token for this job.\r\nsetlocal EnableExtensions DisableDelayedExpansion\r\nset "${AGENT_DIR_VARIABLE}=${q(dir)}"\r\n"${q(node)}" "${q(bundle)}" %*\r\nexit /b %ERRORLEVEL%\r\n`;
}
/**
 * Starts the agent with the main step's token and configuration, and hands the command to later steps.
 * Call only with a masked token.
 */
async function installTokenCommand(config, endpoints, token, deps, 
/** Other jobs of the run use `token` (share, or shared-token): the agent never revokes it. */
sharedToken = false) {
    const { core, env } = deps;
    for (const program of ['agent', 'token']) {
        const path = (0,external_node_path_.join)(deps.bundleRoot, program, 'index.js');
        if (!(0,external_node_fs_.existsSync)(path)) {
            throw new errors/* InputError */.dz('token-command', `needs the action's bundled programs, and ${path} does not exist: run the action as a workflow step (uses:), whose dist/ has them, or set token-command: false (as under @github/local-action, which runs src/ instead).`);
        }
    }
    const windows = deps.platform === 'win32';
    const temp = env.RUNNER_TEMP || (0,external_node_os_.tmpdir)();
    const dir = (0,external_node_fs_.mkdtempSync)((0,external_node_path_.join)(temp, `${COMMAND_NAME}-`));
    (0,external_node_fs_.chmodSync)(dir, 0o700);
    const cleanup = [dir];
    const key = freshSecret();
    const stopKey = freshSecret();
    core.setSecret(stopKey);
    let socket;
    if (windows) {
        socket = `\\\\.\\pipe\\${COMMAND_NAME}-${(0,external_node_crypto_.randomBytes)(16).toString('hex')}`;
    }
    else {
        socket = (0,external_node_path_.join)(dir, 'agent.sock');
        if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
            // A deep RUNNER_TEMP (self-hosted runners): the socket goes into a fresh 0700 directory in /tmp.
            const short = (0,external_node_fs_.mkdtempSync)((0,external_node_path_.join)((0,external_node_os_.tmpdir)(), SHORT_SOCKET_PREFIX));
            (0,external_node_fs_.chmodSync)(short, 0o700);
            cleanup.push(short);
            socket = (0,external_node_path_.join)(short, 'agent.sock');
        }
    }
    const setup = {
        config: { ...config, authUrl: config.authUrl.href },
        endpoints,
        token: { ...token, expiresAt: token.expiresAt?.toISOString() },
        sharedToken,
        socket,
        dir,
        cleanup,
        key,
        stopKey,
        watchPid: deps.parentPid > 1 ? deps.parentPid : undefined,
        maxLifetimeMs: AGENT_MAX_LIFETIME_MS
    };
    Reflect.deleteProperty(setup.config, 'warnings');
    let pid;
    try {
        pid = await startAgentProcess(deps, setup);
    }
    catch (error) {
        for (const path of cleanup)
            (0,external_node_fs_.rmSync)(path, { recursive: true, force: true });
        throw error;
    }
    const agentFile = { socket, key, timeoutMs: config.timeoutMs };
    (0,external_node_fs_.writeFileSync)((0,external_node_path_.join)(dir, AGENT_FILE), JSON.stringify(agentFile), { mode: 0o600 });
    const bin = (0,external_node_path_.join)(dir, 'bin');
    (0,external_node_fs_.mkdirSync)(bin, { mode: 0o700 });
    const bundle = (0,external_node_path_.join)(deps.bundleRoot, 'token', 'index.js');
    const sh = (0,external_node_path_.join)(bin, COMMAND_NAME);
    (0,external_node_fs_.writeFileSync)(sh, shScript(deps.nodePath, bundle, dir), { mode: 0o700 });
    const cmd = (0,external_node_path_.join)(bin, `${COMMAND_NAME}.cmd`);
    (0,external_node_fs_.writeFileSync)(cmd, cmdScript(deps.nodePath, bundle, dir), { mode: 0o700 });
    const command = windows ? cmd : sh;
    core.addPath(bin);
    core.exportVariable(COMMAND_VARIABLE, command);
    core.setOutput('token-command', command);
    core.saveState(state/* STATE */.c.tokenAgentDir, dir);
    core.saveState(state/* STATE */.c.tokenAgentPid, String(pid));
    core.saveState(state/* STATE */.c.tokenAgentSocket, socket);
    core.saveState(state/* STATE */.c.tokenAgentStopKey, stopKey);
    core.saveState(state/* STATE */.c.tokenAgentWaitMs, String(agentFile.timeoutMs + STOP_GRACE_MS));
    core.info(`${COMMAND_NAME} is on PATH for the later steps of this job (${command}). Its agent (process ${pid}) keeps the credentials in memory only; the post step stops it.`);
}
/** Spawns the agent, sends the setup, waits for "ready"; resolves with its pid. */
function startAgentProcess(deps, setup) {
    const script = (0,external_node_path_.join)(deps.bundleRoot, 'agent', 'index.js');
    // Detached (its own session: it outlives this step), no stdio of ours (the runner waits for the step's
    // stdout and stderr to close), the IPC pipe for the setup only.
    const child = (0,external_node_child_process_.spawn)(deps.nodePath, [script], {
        detached: true,
        stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
        env: agentEnv(deps.env),
        // Not RUNNER_TEMP: on Windows a process's working directory cannot be deleted, and the runner empties it.
        cwd: (0,external_node_os_.tmpdir)(),
        windowsHide: true
    });
    return new Promise((resolve, reject) => {
        const fail = (why) => {
            clearTimeout(timer);
            child.kill('SIGKILL');
            reject(new Error(`token-command: the token agent did not start (${why}). Set token-command: false to go without binarly-token; if this keeps happening, report it with the job's log.`));
        };
        const timer = setTimeout(() => fail(`no answer within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
        child.once('error', error => fail(error.message));
        child.once('exit', code => fail(`it exited with code ${String(code)}`));
        child.once('message', (message) => {
            if ('error' in message)
                return fail(message.error);
            clearTimeout(timer);
            child.removeAllListeners('exit');
            closeIpc(child);
            child.unref();
            resolve(Number(child.pid));
        });
        child.send(setup);
    });
}


/***/ })

};
