// Stands in for the `server-only` package in the redirector and worker bundle (scripts/build-node.mjs):
// the same empty module its react-server export is.
export {};
