export const id = 611;
export const ids = [611];
export const modules = {

/***/ 9611:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   abortOn: () => (/* binding */ abortOn),
/* harmony export */   sendThroughProxy: () => (/* binding */ sendThroughProxy)
/* harmony export */ });
/* harmony import */ var _actions_http_client__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(2779);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _http_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(9663);
/**
 * A request through the forward proxy the environment names: `@actions/http-client` opens the CONNECT
 * tunnel (or plain proxying) exactly as every toolkit action does. Loaded by transport.ts only when a
 * proxy applies to the URL, since the package brings undici and the tunnel agent with it.
 */



async function sendThroughProxy(request, signal) {
    const client = new _actions_http_client__WEBPACK_IMPORTED_MODULE_0__/* .HttpClient */ .Qq(_http_js__WEBPACK_IMPORTED_MODULE_2__/* .USER_AGENT */ ._, [abortOn(signal)], {
        allowRedirects: false,
        allowRetries: false,
        keepAlive: false,
        socketTimeout: request.timeoutMs
    });
    try {
        // Behind a proxy, http-client takes a stream: a read stream of the file (file-body.ts is the direct path's).
        const body = request.file ? (0,node_fs__WEBPACK_IMPORTED_MODULE_1__.createReadStream)(request.file.path) : (request.body ?? null);
        const headers = request.file ? { ...request.headers, 'content-length': String(request.file.size) } : request.headers;
        const response = await client.request(request.method, request.url, body, headers);
        return { message: response.message, dispose: () => client.dispose() };
    }
    catch (error) {
        client.dispose();
        throw error;
    }
}
/** Puts the abort signal on the request http-client builds (its only hook into the request options). */
function abortOn(signal) {
    return {
        prepareRequest: options => {
            options.signal = signal;
            // Through a proxy, the tunnel agent first sends a CONNECT request of its own (with `agent.request`):
            // it gets the signal too, or a proxy that never answers CONNECT would keep the process alive.
            const agent = options.agent;
            const connect = agent?.request;
            if (agent && typeof connect === 'function') {
                agent.request = (connectOptions) => connect({ ...connectOptions, signal });
            }
        },
        canHandleAuthentication: () => false,
        handleAuthentication: () => Promise.reject(new Error('not an authentication handler'))
    };
}


/***/ })

};
