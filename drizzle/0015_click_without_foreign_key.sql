-- The click rows' foreign key to `link` made Postgres check the key (and lock the link row) once
-- per inserted click; with two workers storing batches for the same links, those row locks became
-- multixacts. The click store now locks each of a batch's links once (SELECT ... FOR KEY SHARE,
-- src/server/clicks/ingest.ts), which keeps a link from being deleted while its clicks are stored,
-- and this trigger does the cascade's work (ADR 0030).
ALTER TABLE "click" DROP CONSTRAINT "click_link_id_link_id_fk";
--> statement-breakpoint
CREATE OR REPLACE FUNCTION click_forget_link_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM click c USING gone g WHERE c.link_id = g.id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER link_forget_click_rows AFTER DELETE ON link REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION click_forget_link_rows();
