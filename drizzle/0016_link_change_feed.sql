-- The link-change feed (ADR 0032): one row per short link whose edge answer may have changed,
-- written after the change commits (src/server/events/link-feed.ts). Edge caches poll it through
-- GET /api/internal/v1/links/changes and evict what it names. `xid` is the writing transaction's:
-- a poll returns the rows of every transaction from the previous poll's snapshot xmin on.
CREATE TABLE "link_change" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "link_change_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"domain" text NOT NULL,
	"key" text NOT NULL,
	"xid" "xid8" DEFAULT pg_current_xact_id() NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "link_change_xid_idx" ON "link_change" USING btree ("xid");--> statement-breakpoint
CREATE INDEX "link_change_at_idx" ON "link_change" USING btree ("at");