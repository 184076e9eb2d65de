CREATE TABLE "password_attempt" (
	"link_id" text NOT NULL,
	"visitor" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "password_attempt_link_id_visitor_window_start_pk" PRIMARY KEY("link_id","visitor","window_start")
);
--> statement-breakpoint
ALTER TABLE "click" ADD COLUMN "region" text;--> statement-breakpoint
ALTER TABLE "click" ADD COLUMN "city" text;--> statement-breakpoint
ALTER TABLE "click" ADD COLUMN "device" text;--> statement-breakpoint
ALTER TABLE "click" ADD COLUMN "os" text;--> statement-breakpoint
ALTER TABLE "click" ADD COLUMN "browser" text;--> statement-breakpoint
ALTER TABLE "click" ADD COLUMN "language" text;--> statement-breakpoint
ALTER TABLE "click" ADD COLUMN "visitor_id" text;--> statement-breakpoint
ALTER TABLE "click" ADD COLUMN "reason" text;--> statement-breakpoint
ALTER TABLE "click" ADD COLUMN "rule_index" smallint;--> statement-breakpoint
ALTER TABLE "click" ADD COLUMN "variant_index" smallint;--> statement-breakpoint
ALTER TABLE "link" ADD COLUMN "reserved_clicks" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "password_attempt" ADD CONSTRAINT "password_attempt_link_id_link_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."link"("id") ON DELETE cascade ON UPDATE no action;
