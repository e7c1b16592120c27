export const id = 918;
export const ids = [918];
export const modules = {

/***/ 9918:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   CHUNK_BYTES: () => (/* binding */ CHUNK_BYTES),
/* harmony export */   sendFile: () => (/* binding */ sendFile)
/* harmony export */ });
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_util__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7975);
/* harmony import */ var node_util__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_util__WEBPACK_IMPORTED_MODULE_1__);
/**
 * A request body sent from a file (the scan step's upload of an image of several GB): read a chunk at a time
 * into two buffers that are used over and over, each read only once the socket has taken the chunk before it,
 * so memory stays at two chunks and no garbage is made per chunk (a read stream's fresh buffer per chunk let
 * the RSS grow past 100 MiB for a 1 GiB upload: `npm run bench:scan`). Loaded by transport.ts only for such a
 * request.
 */


/**
 * The size of one read and one write: 4 MiB took a 1 GiB upload to loopback to 0.94-1.06x curl's time, 1 MiB
 * to 1.17-1.26x (`npm run bench:scan`, on two busy cores); two of them are 8 MiB of the step's memory.
 */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** Writes `size` bytes of the file at `path` to `outgoing`, then ends it. */
async function sendFile(outgoing, file) {
    const write = (0,node_util__WEBPACK_IMPORTED_MODULE_1__.promisify)((chunk, done) => outgoing.write(chunk, done));
    const handle = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.open)(file.path);
    try {
        let current = { buffer: Buffer.allocUnsafe(CHUNK_BYTES), written: Promise.resolve() };
        let other = { buffer: Buffer.allocUnsafe(CHUNK_BYTES), written: Promise.resolve() };
        for (let sent = 0; sent < file.size; [current, other] = [other, current]) {
            await current.written;
            const { bytesRead } = await handle.read(current.buffer, 0, Math.min(CHUNK_BYTES, file.size - sent), sent);
            if (bytesRead === 0) {
                // transport.ts makes it a TransportError with this code.
                const message = `the file ended after ${sent} of its ${file.size} bytes: it changed while it was sent`;
                throw Object.assign(new Error(message), { code: 'EFILECHANGED' });
            }
            sent += bytesRead;
            current.written = write(current.buffer.subarray(0, bytesRead));
        }
        await Promise.all([current.written, other.written]);
    }
    finally {
        await handle.close();
    }
    outgoing.end();
}


/***/ })

};
