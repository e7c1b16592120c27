export const id = 638;
export const ids = [638];
export const modules = {

/***/ 7638:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   splitPemBundle: () => (/* binding */ splitPemBundle),
/* harmony export */   trustExtraCAs: () => (/* binding */ trustExtraCAs)
/* harmony export */ });
/* harmony import */ var node_tls__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1692);
/* harmony import */ var node_tls__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_tls__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var _common_errors_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(1922);
/**
 * Extra trusted CAs (`ca-certificate`): added to Node's default CA list for the whole process, so they
 * apply to direct connections and to connections tunnelled through a proxy alike (a per-request `ca`
 * option is lost on the proxy path). NODE_EXTRA_CA_CERTS stays in force: it is part of the default list.
 */



const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
/** Splits a PEM bundle into certificates, checking each one parses. Pure. */
function splitPemBundle(pem) {
    const certs = pem.match(PEM_CERT) ?? [];
    if (certs.length === 0) {
        throw new _common_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .InputError */ .dz('ca-certificate', 'holds no PEM certificate (-----BEGIN CERTIFICATE-----).');
    }
    certs.forEach((cert, index) => {
        try {
            new node_crypto__WEBPACK_IMPORTED_MODULE_1__.X509Certificate(cert);
        }
        catch {
            throw new _common_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .InputError */ .dz('ca-certificate', `certificate ${index + 1} of ${certs.length} is not a valid X.509 certificate: check the PEM text was copied whole.`);
        }
    });
    return certs;
}
/**
 * Trusts the given CAs in addition to the default ones, for every TLS connection of this process. `store`
 * and `nodeVersion` are this process's, but for tests of an older Node.
 */
function trustExtraCAs(pem, store = (node_tls__WEBPACK_IMPORTED_MODULE_0___default()), nodeVersion = process.version) {
    const extra = splitPemBundle(pem);
    if (typeof store.setDefaultCACertificates !== 'function') {
        throw new _common_errors_js__WEBPACK_IMPORTED_MODULE_2__/* .InputError */ .dz('ca-certificate', `needs Node.js 24 or newer (this is ${nodeVersion}): run the action with runs.using node24.`);
    }
    store.setDefaultCACertificates([...store.getCACertificates('default'), ...extra]);
    return extra.length;
}


/***/ })

};
