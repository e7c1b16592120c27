export const id = 447;
export const ids = [447];
export const modules = {

/***/ 3447:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   alive: () => (/* binding */ alive)
/* harmony export */ });
/* unused harmony exports procStat, exited */
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_0__);
/**
 * Whether a process is still there: what the token agent and the post step watch each other with. A zombie
 * (a process that has exited, whose parent has not reaped it: a container's first process often never does)
 * has ended. Linux says so in /proc/<pid>/stat; elsewhere a process that can be signalled counts as running.
 */

function alive(pid, stat = procStat) {
    try {
        process.kill(pid, 0);
    }
    catch (error) {
        // EPERM: the process exists, it is only not ours to signal.
        if (error.code !== 'EPERM')
            return false;
    }
    return !exited(stat(pid));
}
/**
 * /proc/<pid>/stat, or undefined where there is none (not Linux, or the process is gone). Only on Linux: on
 * Windows `/proc/<pid>/stat` is a path on the current drive (C:\proc\… for the agent, D:\proc\… for the post
 * step on GitHub's runners), which any later step can write, and under Wine it is the Linux /proc of other
 * pids; a forged "Z" there would end the agent early or make the post step think it had ended.
 */
function procStat(pid, platform = process.platform) {
    if (platform !== 'linux')
        return undefined;
    try {
        return (0,node_fs__WEBPACK_IMPORTED_MODULE_0__.readFileSync)(`/proc/${pid}/stat`, 'latin1');
    }
    catch {
        return undefined;
    }
}
/**
 * Whether a stat line says the process has exited: its state (the field after the command name, which is in
 * parentheses and may itself hold parentheses and spaces) is Z (zombie) or X (dead).
 */
function exited(stat) {
    if (stat === undefined)
        return false;
    const state = stat.slice(stat.lastIndexOf(')') + 1).trim()[0];
    return state === 'Z' || state === 'X';
}


/***/ })

};
