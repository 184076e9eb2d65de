CREATE TABLE "click_uniques_span" (
	"workspace_id" text NOT NULL,
	"day" timestamp with time zone NOT NULL,
	"with_bots" boolean NOT NULL,
	"first_hour" smallint NOT NULL,
	"last_hour" smallint NOT NULL,
	"visitors" bigint NOT NULL,
	CONSTRAINT "click_uniques_span_workspace_id_day_with_bots_first_hour_last_hour_pk" PRIMARY KEY("workspace_id","day","with_bots","first_hour","last_hour")
);
--> statement-breakpoint
ALTER TABLE "click_uniques_span" ADD CONSTRAINT "click_uniques_span_workspace_id_organization_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "click_visitor_day" ADD COLUMN "first_hour" smallint;--> statement-breakpoint
ALTER TABLE "click_visitor_day" ADD COLUMN "last_hour" smallint;--> statement-breakpoint
ALTER TABLE "click_visitor_day" ADD COLUMN "prev_first_hour" smallint;--> statement-breakpoint
ALTER TABLE "click_visitor_day" ADD COLUMN "prev_last_hour" smallint;--> statement-breakpoint
-- Backfill: each daily visitor's first and last UTC hour from the hourly visitor rows it came from
-- (people only for the set without bots), then their counts.
UPDATE click_visitor_day d SET first_hour = h.first_hour, last_hour = h.last_hour
FROM (SELECT v.workspace_id, date_trunc('day', v.bucket AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day, s.with_bots, v.visitor_id,
             min(extract(hour FROM v.bucket AT TIME ZONE 'UTC'))::smallint AS first_hour,
             max(extract(hour FROM v.bucket AT TIME ZONE 'UTC'))::smallint AS last_hour
      FROM click_visitor_hour v CROSS JOIN (VALUES (true), (false)) AS s(with_bots)
      WHERE s.with_bots OR NOT v.is_bot
      GROUP BY 1, 2, 3, 4) h
WHERE d.workspace_id = h.workspace_id AND d.day = h.day AND d.with_bots = h.with_bots AND d.visitor_id = h.visitor_id;
--> statement-breakpoint
-- A set member without hourly rows cannot come from the click store; if one exists, it spans its day.
UPDATE click_visitor_day SET first_hour = 0, last_hour = 23 WHERE first_hour IS NULL;--> statement-breakpoint
ALTER TABLE "click_visitor_day" ALTER COLUMN "first_hour" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "click_visitor_day" ALTER COLUMN "last_hour" SET NOT NULL;--> statement-breakpoint
INSERT INTO click_uniques_span (workspace_id, day, with_bots, first_hour, last_hour, visitors)
SELECT workspace_id, day, with_bots, first_hour, last_hour, count(*) FROM click_visitor_day GROUP BY 1, 2, 3, 4, 5;
--> statement-breakpoint
-- The trigger of migration 0010, now also keeping the span counts: a deleted link's visitor leaves
-- a day's set when no remaining link had them that UTC day (as before); otherwise their first and
-- last hour are taken again from the remaining links' hourly rows, and the counts move with them.
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
    SELECT DISTINCT v.workspace_id, date_trunc('day', v.bucket AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day, v.visitor_id, v.is_bot
    FROM click_visitor_hour v JOIN gone g ON g.id = v.link_id
  ), affected AS (
    SELECT DISTINCT workspace_id, day, true AS with_bots, visitor_id FROM seen
    UNION
    SELECT DISTINCT workspace_id, day, false AS with_bots, visitor_id FROM seen WHERE NOT is_bot
  ), kept AS (
    -- Each affected visitor's hours on the links that remain (none: no row, so first_hour is null).
    SELECT a.workspace_id, a.day, a.with_bots, a.visitor_id,
           min(extract(hour FROM o.bucket AT TIME ZONE 'UTC'))::smallint AS first_hour,
           max(extract(hour FROM o.bucket AT TIME ZONE 'UTC'))::smallint AS last_hour
    FROM affected a
    LEFT JOIN click_visitor_hour o
      ON o.workspace_id = a.workspace_id AND o.visitor_id = a.visitor_id AND (a.with_bots OR NOT o.is_bot)
     AND o.bucket >= a.day AND o.bucket < a.day + interval '24 hours'
     AND o.link_id NOT IN (SELECT g.id FROM gone g)
    GROUP BY 1, 2, 3, 4
  ), dropped AS (
    DELETE FROM click_visitor_day d USING kept k
    WHERE k.first_hour IS NULL AND d.workspace_id = k.workspace_id AND d.day = k.day AND d.with_bots = k.with_bots AND d.visitor_id = k.visitor_id
    RETURNING d.workspace_id, d.day, d.with_bots, d.first_hour, d.last_hour
  ), moved AS (
    UPDATE click_visitor_day d SET prev_first_hour = d.first_hour, prev_last_hour = d.last_hour, first_hour = k.first_hour, last_hour = k.last_hour
    FROM kept k
    WHERE k.first_hour IS NOT NULL AND d.workspace_id = k.workspace_id AND d.day = k.day AND d.with_bots = k.with_bots AND d.visitor_id = k.visitor_id
      AND (d.first_hour <> k.first_hour OR d.last_hour <> k.last_hour)
    RETURNING d.workspace_id, d.day, d.with_bots, d.first_hour, d.last_hour, d.prev_first_hour, d.prev_last_hour
  ), counted AS (
    UPDATE click_uniques_day u SET visitors = u.visitors - x.n
    FROM (SELECT workspace_id, day, with_bots, count(*) AS n FROM dropped GROUP BY 1, 2, 3) x
    WHERE u.workspace_id = x.workspace_id AND u.day = x.day AND u.with_bots = x.with_bots
  )
  INSERT INTO click_uniques_span (workspace_id, day, with_bots, first_hour, last_hour, visitors)
  SELECT workspace_id, day, with_bots, first_hour, last_hour, sum(n) FROM (
    SELECT workspace_id, day, with_bots, first_hour, last_hour, -1 AS n FROM dropped
    UNION ALL SELECT workspace_id, day, with_bots, prev_first_hour, prev_last_hour, -1 FROM moved
    UNION ALL SELECT workspace_id, day, with_bots, first_hour, last_hour, 1 FROM moved) x
  GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (workspace_id, day, with_bots, first_hour, last_hour) DO UPDATE SET visitors = click_uniques_span.visitors + excluded.visitors;

  DELETE FROM click_rollup_hour r USING gone g WHERE r.link_id = g.id;
  DELETE FROM click_rollup_day r USING gone g WHERE r.link_id = g.id;
  DELETE FROM click_visitor_hour v USING gone g WHERE v.link_id = g.id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- A link's (or a tag's links') series and top values read one dimension of its days from this
-- index; with the values and counts in it they are index-only scans (each day's rows of a link sit
-- on a different heap page, among the other dimensions'). drizzle-kit cannot declare INCLUDE, so it
-- lives here; the schema keeps the key columns.
DROP INDEX IF EXISTS "click_rollup_day_link_dimension_idx";--> statement-breakpoint
CREATE INDEX "click_rollup_day_link_dimension_idx" ON "click_rollup_day" USING btree ("link_id","dimension","bucket") INCLUDE ("value","is_bot","clicks");
--> statement-breakpoint
-- Index-only scans need the visibility map, which only VACUUM sets. Both tables are (almost)
-- insert-only, and by default autovacuum visits such a table after inserts of 20% of its size: on
-- a table of months of clicks that leaves weeks of the newest rows (the ones dashboards read) to
-- heap fetches. A fixed number of inserts instead; such a vacuum only reads the pages not yet
-- marked all-visible.
ALTER TABLE "click_rollup_day" SET (autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 20000);--> statement-breakpoint
ALTER TABLE "click_visitor_hour" SET (autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 100000);
