CREATE TABLE "click_rollup_day" (
	"workspace_id" text NOT NULL,
	"link_id" text NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"dimension" text NOT NULL,
	"value" text NOT NULL,
	"is_bot" boolean NOT NULL,
	"clicks" bigint NOT NULL,
	CONSTRAINT "click_rollup_day_link_id_bucket_dimension_value_is_bot_pk" PRIMARY KEY("link_id","bucket","dimension","value","is_bot")
);
--> statement-breakpoint
CREATE TABLE "click_rollup_hour" (
	"workspace_id" text NOT NULL,
	"link_id" text NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"dimension" text NOT NULL,
	"value" text NOT NULL,
	"is_bot" boolean NOT NULL,
	"clicks" bigint NOT NULL,
	CONSTRAINT "click_rollup_hour_link_id_bucket_dimension_value_is_bot_pk" PRIMARY KEY("link_id","bucket","dimension","value","is_bot")
);
--> statement-breakpoint
CREATE TABLE "click_visitor_hour" (
	"workspace_id" text NOT NULL,
	"link_id" text NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"visitor_id" text NOT NULL,
	"is_bot" boolean NOT NULL,
	"variant_index" smallint NOT NULL,
	CONSTRAINT "click_visitor_hour_link_id_bucket_visitor_id_is_bot_variant_index_pk" PRIMARY KEY("link_id","bucket","visitor_id","is_bot","variant_index")
);
--> statement-breakpoint
ALTER TABLE "click_rollup_day" ADD CONSTRAINT "click_rollup_day_link_id_link_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."link"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "click_rollup_hour" ADD CONSTRAINT "click_rollup_hour_link_id_link_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."link"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "click_visitor_hour" ADD CONSTRAINT "click_visitor_hour_link_id_link_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."link"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "click_rollup_day_workspace_idx" ON "click_rollup_day" USING btree ("workspace_id","dimension","bucket");--> statement-breakpoint
CREATE INDEX "click_rollup_hour_workspace_idx" ON "click_rollup_hour" USING btree ("workspace_id","dimension","bucket");--> statement-breakpoint
CREATE INDEX "click_visitor_hour_workspace_idx" ON "click_visitor_hour" USING btree ("workspace_id","bucket");--> statement-breakpoint
CREATE INDEX "click_clicked_at_brin" ON "click" USING brin ("clicked_at");