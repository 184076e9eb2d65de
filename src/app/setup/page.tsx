import type { Metadata } from "next";
import { serverConfig } from "@/config/env";
import { needsSetup } from "@/server/setup/service";
import { SetupForm } from "./setup-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Set up" };

export default async function SetupPage() {
  const config = serverConfig();
  return (
    <>
      <h1>Set up Signpost</h1>
      <p>Create the owner account, your first workspace and an API key. This page closes once it is done.</p>
      <SetupForm appUrl={config.appUrl} tokenRequired={Boolean(config.setupToken)} closed={!(await needsSetup())} />
    </>
  );
}
