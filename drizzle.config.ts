import { defineConfig } from "drizzle-kit";

// Generates SQL migrations from src/server/db/schema.ts into ./drizzle; the app applies them at start.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/server/db/schema.ts",
  out: "./drizzle",
});
