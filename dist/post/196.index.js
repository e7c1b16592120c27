export const id = 196;
export const ids = [196];
export const modules = {

/***/ 3196:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   kill: () => (/* binding */ kill)
/* harmony export */ });
/**
 * Ending a process: what the post step does to a token agent that answered its stop and then hung. Apart from
 * processes.ts, so that the agent's bundle, which never kills, carries no copy of it.
 */
// Covered in-process (__tests__/unit/processes.test.ts, token-agent.test.ts). The post bundle's copy runs only for an
// agent that hangs after answering its stop, which no runner-style test can make, and c8 counts the copies apart.
/* c8 ignore start */
function kill(pid) {
    try {
        process.kill(pid, 'SIGKILL');
    }
    catch {
        // gone in the meantime
    }
}
/* c8 ignore stop */


/***/ })

};
