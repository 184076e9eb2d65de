// Stands in for the `server-only` package in the redirector bundle (scripts/build-redirector.mjs):
// the same empty module its react-server export is.
export {};
