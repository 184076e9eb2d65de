ALTER TABLE "domain" DROP CONSTRAINT "domain_host_unique";--> statement-breakpoint
ALTER TABLE "domain" ADD COLUMN "token" text DEFAULT replace(gen_random_uuid()::text, '-', '') NOT NULL;--> statement-breakpoint
ALTER TABLE "domain" ADD COLUMN "checked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "domain" ADD COLUMN "check_error" text;--> statement-breakpoint
ALTER TABLE "domain" ADD COLUMN "points_here" boolean;--> statement-breakpoint
CREATE UNIQUE INDEX "domain_workspace_host_uidx" ON "domain" USING btree ("workspace_id","host");--> statement-breakpoint
CREATE UNIQUE INDEX "domain_verified_host_uidx" ON "domain" USING btree ("host") WHERE verified_at is not null;