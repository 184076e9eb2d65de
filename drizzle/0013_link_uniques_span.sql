CREATE TABLE "click_link_uniques_span" (
	"link_id" text NOT NULL,
	"day" timestamp with time zone NOT NULL,
	"with_bots" boolean NOT NULL,
	"variant" smallint NOT NULL,
	"first_hour" smallint NOT NULL,
	"last_hour" smallint NOT NULL,
	"visitors" bigint NOT NULL,
	CONSTRAINT "click_link_uniques_span_link_id_day_with_bots_variant_first_hour_last_hour_pk" PRIMARY KEY("link_id","day","with_bots","variant","first_hour","last_hour")
);
--> statement-breakpoint
CREATE TABLE "click_link_uniques_stale" (
	"link_id" text NOT NULL,
	"day" timestamp with time zone NOT NULL,
	CONSTRAINT "click_link_uniques_stale_link_id_day_pk" PRIMARY KEY("link_id","day")
);
--> statement-breakpoint
-- A deleted link's counts (and stale marks) go with it. Runs after link_forget_clicks (triggers
-- fire in name order), which holds the compaction's shared lock: a compaction cannot count the
-- link's days back.
CREATE OR REPLACE FUNCTION click_forget_link_uniques() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM click_link_uniques_span s USING gone g WHERE s.link_id = g.id;
  DELETE FROM click_link_uniques_stale s USING gone g WHERE s.link_id = g.id;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER link_forget_uniques AFTER DELETE ON link REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION click_forget_link_uniques();--> statement-breakpoint
-- Backfill: every day the compaction has closed, counted from the hourly visitor rows as
-- src/server/clicks/daily-rollups.ts counts them.
INSERT INTO click_link_uniques_span (link_id, day, with_bots, variant, first_hour, last_hour, visitors)
SELECT m.link_id, m.day, m.with_bots, m.variant, m.first_hour, m.last_hour, count(*)
FROM (
  SELECT v.link_id, date_trunc('day', v.bucket AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day, s.with_bots,
         CASE WHEN s.whole THEN -1 ELSE v.variant_index END AS variant, v.visitor_id,
         min(extract(hour FROM v.bucket AT TIME ZONE 'UTC'))::smallint AS first_hour,
         max(extract(hour FROM v.bucket AT TIME ZONE 'UTC'))::smallint AS last_hour
  FROM click_visitor_hour v
  CROSS JOIN (VALUES (true, true), (true, false), (false, true), (false, false)) AS s(with_bots, whole)
  WHERE v.bucket < (SELECT days_before FROM click_rollup_progress WHERE id = 1)
    AND (s.with_bots OR NOT v.is_bot) AND (s.whole OR v.variant_index >= 0)
  GROUP BY 1, 2, 3, 4, 5) m
GROUP BY 1, 2, 3, 4, 5, 6;
