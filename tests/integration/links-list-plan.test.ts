/**
 * The links list stays as fast on page 1,000 as on page 1: for every sort, order and direction,
 * the page query read at a position deep inside 30,000 links is an index scan bounded by the
 * position (the row comparison is an Index Cond, not a filter) with no sort node — the index
 * (workspace_id, column, id) hands the rows over in the list's order. Plans come from EXPLAIN of
 * the very query listLinks runs (linkPageQuery), on PGlite and Postgres. The pages' contents are
 * checked against the same rows sorted here.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { listLinksQuerySchema, type ListLinksQuery } from "@/core/link";
import type { Principal } from "@/server/auth/principal";
import { linkPageQuery, type Cursor } from "@/server/links/list";
import { backends, type TestDatabase } from "../support/databases";
import { openWithOwner, type Owner } from "../support/integration-helpers";

const LINKS = 30_000;

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Index Cond"?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

describe.each(backends())("links list plans on %s", (backend) => {
  let testDb: TestDatabase;
  let owner: Owner;
  let principal: Principal;

  beforeAll(async () => {
    ({ testDb, owner } = await openWithOwner(backend));
    principal = { kind: "apiKey", workspaceId: owner.workspaceId, userId: null, role: null, scopes: new Set(["links:read"]), apiKeyId: null } as Principal;
    // Ties on purpose: 50 links per created_at instant and per click count, as imports and new links have.
    await testDb.database.query(
      `insert into link (id, workspace_id, domain, key, url, clicks, created_at, updated_at)
       select 'lnk_plan_' || lpad(g::text, 6, '0'), $1, 'plan.example', 'p' || md5(g::text), 'https://example.com/' || g,
              (g / 50) % 400, timestamptz '2026-01-01' + (g / 50) * interval '1 minute', timestamptz '2026-02-01' + ((g * 7919) % ${LINKS}) * interval '1 second'
       from generate_series(1, ${LINKS}) g`,
      [owner.workspaceId],
    );
    await testDb.database.query("analyze link");
    const counted = (await testDb.database.query("select count(*)::int as n from link where workspace_id = $1", [owner.workspaceId])).rows[0] as { n: number };
    expect(Number(counted.n)).toBeGreaterThanOrEqual(LINKS);
  });
  afterAll(async () => {
    await testDb?.dispose();
  });

  const SORTS = [
    { sort: "createdAt", column: "created_at", index: "link_workspace_created_idx" },
    { sort: "updatedAt", column: "updated_at", index: "link_workspace_updated_idx" },
    { sort: "clicks", column: "clicks", index: "link_workspace_clicks_idx" },
    { sort: "key", column: "key", index: "link_workspace_key_idx" },
  ] as const;

  test.each(SORTS.flatMap((s) => (["asc", "desc"] as const).flatMap((order) => [false, true].map((backwards) => ({ ...s, order, backwards })))))(
    "$sort $order, backwards=$backwards: an index scan bounded by the position, no sort",
    async ({ sort, column, index, order, backwards }) => {
      const query: ListLinksQuery = listLinksQuerySchema.parse({ sort, order, limit: "50", archived: "all" });
      // The position of the link ranked 15,000th in the list's order, as a cursor holds it.
      const timestamp = column.endsWith("_at");
      const [middle] = (
        await testDb.database.query(
          `select id, ${timestamp ? `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` : column} as value
           from link where workspace_id = $1 order by ${column} ${order}, id ${order} offset 15000 limit 1`,
          [owner.workspaceId],
        )
      ).rows as { id: string; value: string | number }[];
      const from: Cursor = { sort, order, value: middle!.value, id: middle!.id };
      const built = linkPageQuery(testDb.database.db, principal, query, from, backwards, 51);

      const { sql: text, params } = built.toSQL();
      const explained = (await testDb.database.query(`explain (format json) ${text}`, params)).rows[0] as Record<string, unknown>;
      const raw = explained["QUERY PLAN"];
      const plan = (typeof raw === "string" ? JSON.parse(raw) : raw) as { Plan: PlanNode }[];
      const all = nodes(plan[0]!.Plan);
      expect(all.map((n) => n["Node Type"]), JSON.stringify(all.map((n) => n["Node Type"]))).not.toContain("Sort");
      expect(all.map((n) => n["Node Type"])).not.toContain("Incremental Sort");
      const scan = all.find((n) => n["Index Name"] === index);
      expect(scan, JSON.stringify(plan)).toBeDefined();
      expect(scan!["Index Cond"]).toMatch(/ROW\(/);

      // And the page is the right one: the 50 rows beyond the position, in the list's order.
      const rows = await built;
      const ids = rows.map((row) => row.link.id);
      const reversed = (order === "desc") !== backwards ? "desc" : "asc";
      const operator = reversed === "desc" ? "<" : ">";
      const expected = (
        await testDb.database.query(
          `select id from link where workspace_id = $1 and (${column}, id) ${operator} (select ${column}, id from link where id = $2)
           order by ${column} ${reversed}, id ${reversed} limit 51`,
          [owner.workspaceId, middle!.id],
        )
      ).rows.map((row) => (row as { id: string }).id);
      expect(ids).toEqual(expected);
      expect(ids).toHaveLength(51);
    },
  );

});
