import Link from "next/link";
import { serverConfig } from "@/config/env";
import { needsSetup } from "@/server/setup/service";
import { SiteFrame } from "./_site-frame";

export const dynamic = "force-dynamic";

export default async function HomePage() {
  const firstRun = await needsSetup();
  const { appUrl } = serverConfig();
  return (
    <SiteFrame>
      <h1>Signpost</h1>
      <p>Short links that send each visitor to the right place, decided at the edge, counted on the server.</p>
      {firstRun ? (
        <div className="card">
          <h2 style={{ marginTop: 0 }}>Welcome — let&apos;s set up this instance</h2>
          <p>Create the owner account and your first workspace. You will get an API key to create links with.</p>
          <Link className="button" href="/setup">
            Set up Signpost
          </Link>
        </div>
      ) : (
        <div className="card">
          <h2 style={{ marginTop: 0 }}>Create a link</h2>
          <p>With the API key from setup:</p>
          <pre>{`curl -X POST ${appUrl}/api/v1/links \\
  -H "Authorization: Bearer $SIGNPOST_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{"url":"https://example.com","key":"hello"}'`}</pre>
          <p>
            Then open <code>{appUrl}/hello</code> and read the count with <code>GET /api/v1/links/&lt;id&gt;</code>.
          </p>
        </div>
      )}
    </SiteFrame>
  );
}
