CREATE TABLE "click_rollup_progress" (
	"id" smallint PRIMARY KEY NOT NULL,
	"days_before" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "click_uniques_day" (
	"workspace_id" text NOT NULL,
	"day" timestamp with time zone NOT NULL,
	"with_bots" boolean NOT NULL,
	"visitors" bigint NOT NULL,
	CONSTRAINT "click_uniques_day_workspace_id_day_with_bots_pk" PRIMARY KEY("workspace_id","day","with_bots")
);
--> statement-breakpoint
CREATE TABLE "click_visitor_day" (
	"workspace_id" text NOT NULL,
	"day" timestamp with time zone NOT NULL,
	"with_bots" boolean NOT NULL,
	"visitor_id" text NOT NULL,
	CONSTRAINT "click_visitor_day_workspace_id_day_with_bots_visitor_id_pk" PRIMARY KEY("workspace_id","day","with_bots","visitor_id")
);
--> statement-breakpoint
CREATE TABLE "click_workspace_rollup_day" (
	"workspace_id" text NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"dimension" text NOT NULL,
	"value" text NOT NULL,
	"is_bot" boolean NOT NULL,
	"clicks" bigint NOT NULL,
	CONSTRAINT "click_workspace_rollup_day_workspace_id_dimension_bucket_value_is_bot_pk" PRIMARY KEY("workspace_id","dimension","bucket","value","is_bot")
);
--> statement-breakpoint
CREATE TABLE "click_workspace_rollup_hour" (
	"workspace_id" text NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"dimension" text NOT NULL,
	"value" text NOT NULL,
	"is_bot" boolean NOT NULL,
	"clicks" bigint NOT NULL,
	CONSTRAINT "click_workspace_rollup_hour_workspace_id_dimension_bucket_value_is_bot_pk" PRIMARY KEY("workspace_id","dimension","bucket","value","is_bot")
);
--> statement-breakpoint
ALTER TABLE "click" DROP CONSTRAINT "click_workspace_id_organization_id_fk";
--> statement-breakpoint
ALTER TABLE "click_rollup_day" DROP CONSTRAINT "click_rollup_day_link_id_link_id_fk";
--> statement-breakpoint
ALTER TABLE "click_rollup_hour" DROP CONSTRAINT "click_rollup_hour_link_id_link_id_fk";
--> statement-breakpoint
ALTER TABLE "click_visitor_hour" DROP CONSTRAINT "click_visitor_hour_link_id_link_id_fk";
--> statement-breakpoint
ALTER TABLE "click_uniques_day" ADD CONSTRAINT "click_uniques_day_workspace_id_organization_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "click_workspace_rollup_day" ADD CONSTRAINT "click_workspace_rollup_day_workspace_id_organization_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "click_workspace_rollup_hour" ADD CONSTRAINT "click_workspace_rollup_hour_workspace_id_organization_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "click_rollup_day_link_dimension_idx" ON "click_rollup_day" USING btree ("link_id","dimension","bucket");--> statement-breakpoint
-- custom SQL (keep when regenerating)
-- The per-link click tables lost their foreign keys to `link` (a key check per upserted row was a
-- third of the ingest transaction). This trigger does what the cascade did, and keeps the
-- workspace-wide tables equal to the sum over the links that remain: a deleted link's clicks leave
-- the workspace rollups, and its visitors leave a workspace's daily sets (and counts) unless
-- another remaining link had them that UTC day. Rows left at zero are harmless (queries skip them).
CREATE OR REPLACE FUNCTION click_forget_deleted_links() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The click store's lock (src/server/clicks/daily-rollups.ts): a running daily compaction must
  -- not sum a deleted link's hours back into click_rollup_day.
  PERFORM pg_advisory_xact_lock_shared(1936286832, 1684108659);
  UPDATE click_workspace_rollup_hour w SET clicks = w.clicks - r.clicks
  FROM (SELECT r.workspace_id, r.dimension, r.bucket, r.value, r.is_bot, sum(r.clicks) AS clicks
        FROM click_rollup_hour r JOIN gone g ON g.id = r.link_id GROUP BY 1, 2, 3, 4, 5) r
  WHERE w.workspace_id = r.workspace_id AND w.dimension = r.dimension AND w.bucket = r.bucket AND w.value = r.value AND w.is_bot = r.is_bot;
  -- From the hourly rows: the link's daily ones exist only for days already compacted.
  UPDATE click_workspace_rollup_day w SET clicks = w.clicks - r.clicks
  FROM (SELECT r.workspace_id, r.dimension, date_trunc('day', r.bucket AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS bucket, r.value, r.is_bot, sum(r.clicks) AS clicks
        FROM click_rollup_hour r JOIN gone g ON g.id = r.link_id GROUP BY 1, 2, 3, 4, 5) r
  WHERE w.workspace_id = r.workspace_id AND w.dimension = r.dimension AND w.bucket = r.bucket AND w.value = r.value AND w.is_bot = r.is_bot;

  WITH seen AS (
    SELECT DISTINCT v.workspace_id, date_trunc('day', v.bucket AT TIME ZONE 'UTC') AS utc_day, v.visitor_id, v.is_bot
    FROM click_visitor_hour v JOIN gone g ON g.id = v.link_id
  ), affected AS (
    SELECT DISTINCT workspace_id, utc_day, true AS with_bots, visitor_id FROM seen
    UNION
    SELECT DISTINCT workspace_id, utc_day, false AS with_bots, visitor_id FROM seen WHERE NOT is_bot
  ), dropped AS (
    DELETE FROM click_visitor_day d USING affected a
    WHERE d.workspace_id = a.workspace_id AND d.day = (a.utc_day AT TIME ZONE 'UTC') AND d.with_bots = a.with_bots AND d.visitor_id = a.visitor_id
      AND NOT EXISTS (
        SELECT 1 FROM click_visitor_hour o
        WHERE o.workspace_id = a.workspace_id AND o.visitor_id = a.visitor_id AND (a.with_bots OR NOT o.is_bot)
          AND date_trunc('day', o.bucket AT TIME ZONE 'UTC') = a.utc_day
          AND o.link_id NOT IN (SELECT g.id FROM gone g))
    RETURNING d.workspace_id, d.day, d.with_bots
  )
  UPDATE click_uniques_day u SET visitors = u.visitors - x.n
  FROM (SELECT workspace_id, day, with_bots, count(*) AS n FROM dropped GROUP BY 1, 2, 3) x
  WHERE u.workspace_id = x.workspace_id AND u.day = x.day AND u.with_bots = x.with_bots;

  DELETE FROM click_rollup_hour r USING gone g WHERE r.link_id = g.id;
  DELETE FROM click_rollup_day r USING gone g WHERE r.link_id = g.id;
  DELETE FROM click_visitor_hour v USING gone g WHERE v.link_id = g.id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER link_forget_clicks AFTER DELETE ON link REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION click_forget_deleted_links();
--> statement-breakpoint
-- Backfill: an upgraded instance answers from the new tables at once (the same rules as ingest).
INSERT INTO click_workspace_rollup_hour (workspace_id, dimension, bucket, value, is_bot, clicks)
SELECT r.workspace_id, r.dimension, r.bucket, r.value, r.is_bot, sum(r.clicks) FROM click_rollup_hour r GROUP BY 1, 2, 3, 4, 5;
--> statement-breakpoint
INSERT INTO click_workspace_rollup_day (workspace_id, dimension, bucket, value, is_bot, clicks)
SELECT r.workspace_id, r.dimension, date_trunc('day', r.bucket AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', r.value, r.is_bot, sum(r.clicks) FROM click_rollup_hour r GROUP BY 1, 2, 3, 4, 5;
--> statement-breakpoint
INSERT INTO click_visitor_day (workspace_id, day, with_bots, visitor_id)
SELECT DISTINCT v.workspace_id, date_trunc('day', v.bucket AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', true, v.visitor_id FROM click_visitor_hour v
UNION
SELECT DISTINCT v.workspace_id, date_trunc('day', v.bucket AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', false, v.visitor_id FROM click_visitor_hour v WHERE NOT v.is_bot;
--> statement-breakpoint
INSERT INTO click_uniques_day (workspace_id, day, with_bots, visitors)
SELECT d.workspace_id, d.day, d.with_bots, count(*) FROM click_visitor_day d GROUP BY 1, 2, 3;
--> statement-breakpoint
-- Per-link daily rollups are complete before today (the click store kept them until now); from
-- here on the compaction job sums each finished UTC day from the hourly rollup.
INSERT INTO click_rollup_progress (id, days_before) VALUES (1, date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC');
