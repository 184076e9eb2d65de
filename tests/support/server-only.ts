// Stands in for the `server-only` package under Vitest, which does not resolve the
// `react-server` export condition that makes the real package a no-op.
export {};
