ALTER TABLE "link" ADD COLUMN "image" text;--> statement-breakpoint
ALTER TABLE "link" ADD COLUMN "comments" text;--> statement-breakpoint
ALTER TABLE "link" ADD COLUMN "disabled" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "link" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "link" ADD COLUMN "expired_url" text;--> statement-breakpoint
ALTER TABLE "link" ADD COLUMN "max_clicks" integer;--> statement-breakpoint
ALTER TABLE "link" ADD COLUMN "password_hash" text;--> statement-breakpoint
ALTER TABLE "link" ADD COLUMN "forward_query" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "link" ADD COLUMN "utm" jsonb;--> statement-breakpoint
ALTER TABLE "link" ADD COLUMN "cloaked" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "link" ADD COLUMN "redirect_status" smallint DEFAULT 302 NOT NULL;--> statement-breakpoint
ALTER TABLE "link" ADD COLUMN "bot_behavior" text DEFAULT 'preview' NOT NULL;--> statement-breakpoint
ALTER TABLE "link" ADD COLUMN "rules" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "link" ADD COLUMN "variants" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "link" ADD COLUMN "variants_end_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "link_workspace_clicks_idx" ON "link" USING btree ("workspace_id","clicks" DESC NULLS LAST,"id");