ALTER TABLE "link" ADD COLUMN "metadata_status" text;--> statement-breakpoint
ALTER TABLE "link" ADD COLUMN "metadata_error" text;--> statement-breakpoint
ALTER TABLE "link" ADD COLUMN "metadata_checked_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "link_metadata_pending_idx" ON "link" USING btree ("created_at") WHERE "link"."metadata_status" = 'pending';