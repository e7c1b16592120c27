export const id = 447;
export const ids = [447];
export const modules = {

/***/ 3447:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   alive: () => (/* binding */ alive)
/* harmony export */ });
/** Whether a process is still there: what the token agent and the post step watch each other with. */
function alive(pid) {
    try {
        process.kill(pid, 0);
        return true;
    }
    catch (error) {
        // EPERM: the process exists, it is only not ours to signal.
        return error.code === 'EPERM';
    }
}


/***/ })

};
