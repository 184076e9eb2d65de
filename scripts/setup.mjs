// `npm run setup -- --email you@example.com --name "Your Name" --workspace "Acme" [--password …] [--url http://localhost:3000] [--token …]`
// First-run setup against a running Signpost (the server owns the database, so this talks HTTP).
// Prints the API key once. The password is asked for when not given and stdin is a terminal.
import { parseArgs } from "node:util";
import { createInterface } from "node:readline/promises";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: process.env.APP_URL || "http://localhost:3000" },
    email: { type: "string" },
    name: { type: "string" },
    workspace: { type: "string" },
    password: { type: "string" },
    token: { type: "string", default: process.env.SETUP_TOKEN },
  },
});

for (const required of ["email", "workspace"]) {
  if (!values[required]) {
    console.error(`Missing --${required}. Usage: npm run setup -- --email you@example.com --workspace "Acme" [--name "You"] [--password …]`);
    process.exit(2);
  }
}

let password = values.password ?? process.env.SIGNPOST_SETUP_PASSWORD;
if (!password) {
  if (!process.stdin.isTTY) {
    console.error("Missing --password (or SIGNPOST_SETUP_PASSWORD) and no terminal to ask on.");
    process.exit(2);
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  password = await rl.question("Password for the owner account (min 10 characters): ");
  rl.close();
}

let response;
try {
  response = await fetch(`${values.url.replace(/\/+$/, "")}/api/v1/setup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      name: values.name ?? values.email.split("@")[0],
      email: values.email,
      password,
      workspace: values.workspace,
      ...(values.token ? { token: values.token } : {}),
    }),
  });
} catch (error) {
  console.error(`Could not reach Signpost at ${values.url}: ${error.cause?.code ?? error.message}. Is \`npm start\` running?`);
  process.exit(1);
}
const body = await response.json();
if (!response.ok) {
  console.error(`Setup failed (${response.status} ${body.error?.code}): ${body.error?.message}`);
  process.exit(1);
}
console.log(`Workspace "${body.workspace.name}" created for ${body.user.email}.`);
console.log(`\nAPI key (shown once, keep it secret):\n\n  ${body.apiKey.key}\n`);
console.log(`export SIGNPOST_API_KEY=${body.apiKey.key}`);
