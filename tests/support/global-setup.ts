// @ts-expect-error -- plain ESM script without types
import { ensureNodeBuild } from "../../scripts/build-node.mjs";
import { preparePgliteTemplate, preparePostgresTemplate } from "./templates";

/**
 * Integration tests: migrated templates for both backends, made once per run, and the worker's
 * bundle (dist/node) for the tests that run `npm run worker` processes.
 */
export default async function setup() {
  await (ensureNodeBuild as (options: { quiet: boolean }) => Promise<boolean>)({ quiet: true });
  await preparePgliteTemplate();
  await preparePostgresTemplate();
}
