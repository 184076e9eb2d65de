import { preparePgliteTemplate, preparePostgresTemplate } from "./templates";

/** Integration tests: migrated templates for both backends, made once per run. */
export default async function setup() {
  await preparePgliteTemplate();
  await preparePostgresTemplate();
}
