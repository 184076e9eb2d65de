// @ts-expect-error -- plain ESM script without types
import { ensureBuild } from "../../scripts/build-if-stale.mjs";
import { preparePgliteTemplate, preparePostgresTemplate } from "./templates";

/** End-to-end tests: one shared `next build` for every server the tests start, plus templates. */
export default async function setup() {
  (ensureBuild as (options: { quiet: boolean }) => boolean)({ quiet: true });
  await preparePgliteTemplate();
  await preparePostgresTemplate();
}
