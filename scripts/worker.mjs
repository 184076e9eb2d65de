// `npm run worker`: a click-pipeline worker (src/worker/main.ts) with the same defaults as `npm start`.
// Runs the TypeScript entry through tsx, with the "react-server" condition so server-only modules load.
import { spawn } from "node:child_process";
import { root, withDefaults } from "./lib/env-defaults.mjs";

const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "src/worker/main.ts"], {
  cwd: root,
  env: withDefaults(process.env),
  stdio: "inherit",
});
// The worker finishes its batch on SIGTERM / SIGINT; pass them on and exit with its code.
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
