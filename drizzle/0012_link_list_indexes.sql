-- The links list sorts by created_at, updated_at, clicks or key with id as the tie-break, in either
-- order, paged by keyset. Each sort gets an index (workspace_id, column, id) in one direction, so the
-- position `(column, id) < (value, id)` is an index bound read forwards or backwards; the old
-- (created_at DESC, id) and (clicks DESC, id) indexes could not serve `id DESC` or the row
-- comparison, and page N scanned and sorted the workspace's links.
DROP INDEX "link_workspace_created_idx";--> statement-breakpoint
DROP INDEX "link_workspace_clicks_idx";--> statement-breakpoint
CREATE INDEX "link_workspace_updated_idx" ON "link" USING btree ("workspace_id","updated_at","id");--> statement-breakpoint
CREATE INDEX "link_workspace_key_idx" ON "link" USING btree ("workspace_id","key","id");--> statement-breakpoint
CREATE INDEX "link_workspace_created_idx" ON "link" USING btree ("workspace_id","created_at","id");--> statement-breakpoint
CREATE INDEX "link_workspace_clicks_idx" ON "link" USING btree ("workspace_id","clicks","id");