// The defaults every Signpost process launched from this checkout shares (`npm start`,
// `npm run worker`): the app URL, and a secret generated once into the data folder unless
// SIGNPOST_SECRET is set, so the app and its workers sign and verify with the same key.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../..", import.meta.url));

/** A copy of `source` with PORT, APP_URL and SIGNPOST_SECRET filled in. */
export function withDefaults(source) {
  const env = { ...source, NEXT_TELEMETRY_DISABLED: "1" };
  env.PORT ||= "3000";
  env.APP_URL ||= `http://localhost:${env.PORT}`;
  if (!env.SIGNPOST_SECRET) {
    const dataDir = path.resolve(root, env.DATA_DIR || ".signpost");
    const file = path.join(dataDir, "secret");
    if (!existsSync(file)) {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600 });
      const shown = path.relative(root, file).startsWith("..") ? file : path.relative(root, file);
      console.log(`Signpost: generated a secret in ${shown} (set SIGNPOST_SECRET to choose your own).`);
    }
    chmodSync(file, 0o600);
    env.SIGNPOST_SECRET = readFileSync(file, "utf8").trim();
    if (env.DATABASE_URL) {
      console.warn("Signpost: DATABASE_URL is set but SIGNPOST_SECRET is not; every instance sharing this database must use the same secret.");
    }
  }
  return env;
}
