// @ts-expect-error -- plain ESM script without types
import { ensureBuild } from "../../scripts/build-if-stale.mjs";
// @ts-expect-error -- plain ESM script without types
import { ensureNodeBuild } from "../../scripts/build-node.mjs";
import { preparePgliteTemplate, preparePostgresTemplate } from "./templates";

/**
 * End-to-end tests: one shared `next build` for every server the tests start, the redirector's
 * and worker's bundle (dist/node), and the database templates.
 */
export default async function setup() {
  (ensureBuild as (options: { quiet: boolean }) => boolean)({ quiet: true });
  await (ensureNodeBuild as (options: { quiet: boolean }) => Promise<boolean>)({ quiet: true });
  await preparePgliteTemplate();
  await preparePostgresTemplate();
}
