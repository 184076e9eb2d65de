CREATE TABLE "import_error" (
	"import_id" text NOT NULL,
	"row" integer NOT NULL,
	"seq" smallint NOT NULL,
	"column" text,
	"code" text NOT NULL,
	"message" text NOT NULL,
	"values" jsonb NOT NULL,
	CONSTRAINT "import_error_import_id_row_seq_pk" PRIMARY KEY("import_id","row","seq")
);
--> statement-breakpoint
CREATE TABLE "import_file_chunk" (
	"import_id" text NOT NULL,
	"seq" integer NOT NULL,
	"data" "bytea" NOT NULL,
	CONSTRAINT "import_file_chunk_import_id_seq_pk" PRIMARY KEY("import_id","seq")
);
--> statement-breakpoint
CREATE TABLE "link_import" (
	"id" text PRIMARY KEY NOT NULL,
	"workspace_id" text NOT NULL,
	"created_by" text,
	"filename" text,
	"size_bytes" bigint DEFAULT 0 NOT NULL,
	"format" text NOT NULL,
	"header" jsonb NOT NULL,
	"sample" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"delimiter" text DEFAULT ',' NOT NULL,
	"mapping" jsonb,
	"mode" text,
	"domain" text,
	"status" text DEFAULT 'uploaded' NOT NULL,
	"rows_read" integer DEFAULT 0 NOT NULL,
	"rows_imported" integer DEFAULT 0 NOT NULL,
	"rows_failed" integer DEFAULT 0 NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "import_error" ADD CONSTRAINT "import_error_import_id_link_import_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."link_import"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_file_chunk" ADD CONSTRAINT "import_file_chunk_import_id_link_import_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."link_import"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_import" ADD CONSTRAINT "link_import_workspace_id_organization_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."organization"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_import" ADD CONSTRAINT "link_import_created_by_user_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "link_import_workspace_created_idx" ON "link_import" USING btree ("workspace_id","created_at" DESC NULLS LAST);