/**
 * Bulk import of links from a CSV file: the formats Signpost recognises, the fields a column can
 * fill, and turning one row into a link to create. Pure: the server streams the file, checks what
 * needs the database (taken keys, domains) and writes (src/server/imports).
 */
import { z } from "zod";
import { createLinkSchema, domainSchema, type CreateLinkInput } from "./link";
import { isReservedKey } from "./reserved";

export const IMPORT_FORMATS = ["generic", "bitly", "kutt", "shlink", "yourls"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** What a column can fill. `shortUrl` is a whole short link (`https://bit.ly/abc`): its path becomes the key. */
export const IMPORT_FIELDS = ["url", "key", "shortUrl", "domain", "title", "description", "tags", "comments", "createdAt", "expiresAt"] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

export const IMPORT_MODES = ["all_or_nothing", "skip_invalid"] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

/** uploaded (waiting for a mapping) → queued → validating (all-or-nothing's first pass) → importing → completed | failed. */
export const IMPORT_STATUSES = ["uploaded", "queued", "validating", "importing", "completed", "failed"] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/** Largest file accepted (bytes). A 100,000-link export is about 10 MB. */
export const IMPORT_MAX_BYTES = 100 * 1024 * 1024;

/** Lower-case letters and digits only: "Long URL", "long_url" and "longUrl" all read "longurl". */
export function normalizeHeader(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/**
 * Each product's export columns (normalised) and the field each fills. A header is that product's
 * when it has all of `requires`. Columns of the product that Signpost has no field for (click
 * counts, IP addresses) are ignored.
 */
const PRESETS: { format: Exclude<ImportFormat, "generic">; requires: string[]; columns: Record<string, ImportField> }[] = [
  // Shlink web client "Export" (short URLs list).
  { format: "shlink", requires: ["shortcode", "longurl"], columns: { shortcode: "key", longurl: "url", title: "title", tags: "tags", createdat: "createdAt" } },
  // YOURLS: the yourls_url table as export plugins write it.
  { format: "yourls", requires: ["keyword", "url"], columns: { keyword: "key", url: "url", title: "title", timestamp: "createdAt" } },
  // Kutt: its link objects' fields.
  { format: "kutt", requires: ["address", "target"], columns: { address: "key", target: "url", description: "title", createdat: "createdAt", expirein: "expiresAt" } },
  // Bitly link export from the web app.
  { format: "bitly", requires: ["bitlink", "longurl"], columns: { bitlink: "shortUrl", longurl: "url", title: "title", tags: "tags", datecreated: "createdAt", createdat: "createdAt" } },
];

/** Generic CSV: common column names guessed; the user confirms or changes them. */
const GENERIC_GUESSES: Record<string, ImportField> = {
  url: "url",
  destination: "url",
  destinationurl: "url",
  longurl: "url",
  target: "url",
  key: "key",
  slug: "key",
  shortcode: "key",
  shortlink: "shortUrl",
  shorturl: "shortUrl",
  domain: "domain",
  title: "title",
  description: "description",
  tags: "tags",
  comments: "comments",
  createdat: "createdAt",
  created: "createdAt",
  expiresat: "expiresAt",
};

export interface Detected {
  format: ImportFormat;
  /** Per column, the field it fills (or null). Each field at most once. */
  mapping: (ImportField | null)[];
}

/** The format a header comes from, and the mapping that format implies. */
export function detectFormat(header: readonly string[]): Detected {
  const names = header.map(normalizeHeader);
  const preset = PRESETS.find((candidate) => candidate.requires.every((name) => names.includes(name)));
  const guesses = preset ? preset.columns : GENERIC_GUESSES;
  const used = new Set<ImportField>();
  const mapping = names.map((name) => {
    const field = guesses[name];
    if (!field || used.has(field)) return null;
    used.add(field);
    return field;
  });
  // A file with both a key and a whole short link (Signpost's own export) imports by key.
  if (used.has("key") && used.has("shortUrl")) mapping[mapping.indexOf("shortUrl")] = null;
  return { format: preset?.format ?? "generic", mapping };
}

/** The field separator of a header line: whichever of , ; and tab occurs most outside quotes. */
export function detectDelimiter(headerLine: string): "," | ";" | "\t" {
  const counts = { ",": 0, ";": 0, "\t": 0 };
  let quoted = false;
  for (const char of headerLine) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && char in counts) counts[char as keyof typeof counts] += 1;
  }
  return counts[";"] > counts[","] && counts[";"] >= counts["\t"] ? ";" : counts["\t"] > counts[","] ? "\t" : ",";
}

export const startImportSchema = z
  .object({
    mapping: z
      .array(z.enum(IMPORT_FIELDS, { error: `must be one of ${IMPORT_FIELDS.join(", ")}, or null` }).nullable())
      .refine((fields) => fields.includes("url"), "must map one column to url")
      .refine((fields) => {
        const named = fields.filter((field) => field !== null);
        return new Set(named).size === named.length;
      }, "must map each field at most once")
      .refine((fields) => !(fields.includes("key") && fields.includes("shortUrl")), "must not map both key and shortUrl")
      .meta({ description: "One entry per column of the header, in order: the link field it fills, or null to ignore the column." }),
    mode: z.enum(IMPORT_MODES).meta({ description: "all_or_nothing: any invalid row and nothing is imported. skip_invalid: valid rows are imported, invalid ones reported." }),
    domain: domainSchema.optional().meta({ description: "Domain of links whose row has none (default: the first short domain)." }),
  })
  .strict();
export type StartImportInput = z.infer<typeof startImportSchema>;

export interface RowProblem {
  /** Header name of the column at fault, or null when the row as a whole is. */
  column: string | null;
  code: "invalid_value" | "missing_url" | "invalid_date" | "reserved_key" | "duplicate_key" | "key_taken" | "unknown_domain" | "loop_destination";
  message: string;
}

export interface ImportRow {
  input: CreateLinkInput;
  createdAt: Date | null;
}

/** A date as exports write it: ISO 8601, `YYYY-MM-DD HH:MM:SS` (UTC), or Unix seconds / milliseconds. */
export function parseImportDate(text: string): Date | null {
  const value = text.trim();
  let date: Date;
  if (/^\d{9,10}$/.test(value)) date = new Date(Number(value) * 1000);
  else if (/^\d{12,13}$/.test(value)) date = new Date(Number(value));
  else if (/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) date = new Date(`${value.replace(" ", "T")}Z`);
  else if (/^\d{4}-\d{2}-\d{2}$/.test(value)) date = new Date(`${value}T00:00:00Z`);
  else if (/^\d{4}-\d{2}-\d{2}T/.test(value)) date = new Date(value);
  else return null;
  // Every form but Unix time starts with YYYY-MM-DD.
  if (!/^\d+$/.test(value) && !isCalendarDate(value.slice(0, 10))) return null;
  const year = date.getUTCFullYear();
  return Number.isNaN(date.getTime()) || year < 1970 || year > 9999 ? null : date;
}

/** Whether `YYYY-MM-DD` names a real day (no 2024-02-30, which Date would roll into March). */
function isCalendarDate(ymd: string): boolean {
  const [year, month, day] = ymd.split("-").map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The key of a whole short link: its path without the leading slash ("bit.ly/abc" reads "abc"). */
function keyOfShortUrl(text: string): string | null {
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
    const key = decodeURIComponent(url.pathname.replace(/^\/+/, "").replace(/\/+$/, ""));
    return key || null;
  } catch {
    return null;
  }
}

/** Tags as exports list them: separated by |, comma or semicolon. */
function splitTags(text: string): string[] {
  return [...new Set(text.split(/[|,;]/).map((tag) => tag.trim()).filter(Boolean))];
}

/**
 * One row as a link to create, or the row's problems. Empty cells are absent fields (a row without
 * a key gets a generated one). Checks that need the database (taken keys, a workspace's domains,
 * loops to this instance's hosts) are the server's.
 */
export function rowToLink(cells: readonly string[], mapping: readonly (ImportField | null)[], header: readonly string[]): ImportRow | RowProblem[] {
  const columnOf = (field: ImportField): string | null => {
    const index = mapping.indexOf(field);
    return index >= 0 ? (header[index] ?? `column ${index + 1}`) : null;
  };
  const candidate: Record<string, unknown> = {};
  const problems: RowProblem[] = [];
  let createdAt: Date | null = null;
  for (const [index, field] of mapping.entries()) {
    const text = (cells[index] ?? "").trim();
    if (!field || text === "") continue;
    const column = header[index] ?? `column ${index + 1}`;
    if (field === "tags") candidate.tags = splitTags(text);
    else if (field === "shortUrl") {
      const key = keyOfShortUrl(text);
      if (key === null) problems.push({ column, code: "invalid_value", message: `'${text}' is not a short link with a path` });
      else candidate.key = key;
    } else if (field === "createdAt" || field === "expiresAt") {
      const date = parseImportDate(text);
      if (!date) problems.push({ column, code: "invalid_date", message: `'${text}' is not a date (ISO 8601, 'YYYY-MM-DD HH:MM:SS' or Unix time)` });
      else if (field === "createdAt") createdAt = date;
      else candidate.expiresAt = date.toISOString();
    } else candidate[field] = text;
  }
  if (candidate.url === undefined) problems.push({ column: columnOf("url"), code: "missing_url", message: "has no destination URL" });
  if (typeof candidate.key === "string" && isReservedKey(candidate.key.trim())) {
    problems.push({ column: columnOf("key") ?? columnOf("shortUrl"), code: "reserved_key", message: `'${candidate.key}' is reserved by the app` });
    delete candidate.key;
  }
  if (problems.length > 0) return problems;
  const parsed = createLinkSchema.safeParse(candidate);
  if (!parsed.success) {
    return parsed.error.issues.map((issue) => {
      const field = String(issue.path[0] ?? "");
      const column = columnOf(field as ImportField) ?? (field === "key" ? columnOf("shortUrl") : null);
      return { column, code: "invalid_value" as const, message: `${field} ${issue.message}` };
    });
  }
  return { input: parsed.data, createdAt };
}

// ---- API shapes ---------------------------------------------------------------------------------

export const importSchema = z
  .object({
    id: z.string(),
    status: z.enum(IMPORT_STATUSES),
    format: z.enum(IMPORT_FORMATS),
    filename: z.string().nullable(),
    sizeBytes: z.number().int(),
    header: z.array(z.string()),
    mapping: z.array(z.enum(IMPORT_FIELDS).nullable()).meta({ description: "The mapping in use once started; before that, the one suggested for the detected format." }),
    mode: z.enum(IMPORT_MODES).nullable(),
    domain: z.string().nullable(),
    sample: z.array(z.array(z.string())).meta({ description: "The first rows after the header (at most 5), for the mapping step." }),
    progress: z.object({ rowsRead: z.number().int(), rowsImported: z.number().int(), rowsFailed: z.number().int() }),
    error: z.string().nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: "Import" });
export type ImportView = z.infer<typeof importSchema>;

export const exportLinksQuerySchema = z
  .object({
    format: z.enum(["csv", "json"]).default("csv"),
    tag: z.string().trim().min(1).max(50).optional(),
    domain: domainSchema.optional(),
    archived: z.enum(["false", "true", "all"]).default("all"),
    q: z.string().trim().min(1).max(200).optional(),
  })
  .strict();
export type ExportLinksQuery = z.infer<typeof exportLinksQuerySchema>;

/** Columns of the links CSV export; the generic importer maps each back to its field. */
export const LINK_EXPORT_COLUMNS = ["id", "domain", "key", "short_link", "url", "title", "description", "tags", "comments", "archived", "expires_at", "clicks", "created_at"] as const;
