"use client";

import Link from "next/link";
import { useEffect, useState, type FormEvent } from "react";
import { IMPORT_FIELDS, type ImportField, type ImportMode, type ImportView } from "@/core/imports";

const FIELD_LABELS: Record<ImportField, string> = {
  url: "Destination URL",
  key: "Key (slug)",
  shortUrl: "Short link (key from its path)",
  domain: "Domain",
  title: "Title",
  description: "Description",
  tags: "Tags (| , or ; separated)",
  comments: "Comments",
  createdAt: "Created at",
  expiresAt: "Expires at",
};

const FORMAT_LABELS: Record<ImportView["format"], string> = {
  generic: "a generic CSV",
  bitly: "a Bitly export",
  kutt: "a Kutt export",
  shlink: "a Shlink export",
  yourls: "a YOURLS export",
};

const NUMBER = new Intl.NumberFormat("en");
const RUNNING = new Set<ImportView["status"]>(["queued", "validating", "importing"]);

/** The API's error message, or a generic one. */
async function errorMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { message?: string } };
    return body.error?.message ?? `The server answered ${response.status}`;
  } catch {
    return `The server answered ${response.status}`;
  }
}

/**
 * Upload → mapping (a select per column over a preview of the first rows, the mode, the default
 * domain) → progress, polled from the API until the job finishes, with the error report's link.
 * Talks to /api/v1/imports with the signed-in session's cookie.
 */
export function ImportWizard({ domains, canTag }: { domains: string[]; canTag: boolean }) {
  const [job, setJob] = useState<ImportView | null>(null);
  const [mapping, setMapping] = useState<(ImportField | null)[]>([]);
  const [mode, setMode] = useState<ImportMode>("skip_invalid");
  const [domain, setDomain] = useState(domains[0] ?? "");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const running = job !== null && RUNNING.has(job.status);
  useEffect(() => {
    if (!job || !running) return;
    const timer = setTimeout(async () => {
      const response = await fetch(`/api/v1/imports/${job.id}`, { cache: "no-store" });
      if (response.ok) setJob((await response.json()) as ImportView);
      else setError(await errorMessage(response));
    }, 1000);
    return () => clearTimeout(timer);
  }, [job, running]);

  async function upload(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const response = await fetch("/api/v1/imports", { method: "POST", body: new FormData(event.currentTarget) });
      if (!response.ok) return setError(await errorMessage(response));
      const view = (await response.json()) as ImportView;
      // Tags need tags:write; without it the column starts as ignored.
      setMapping(view.mapping.map((field) => (field === "tags" && !canTag ? null : field)));
      setJob(view);
    } finally {
      setBusy(false);
    }
  }

  async function start(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!job) return;
    setError(null);
    setBusy(true);
    try {
      const response = await fetch(`/api/v1/imports/${job.id}/start`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ mapping, mode, ...(domain ? { domain } : {}) }),
      });
      if (!response.ok) return setError(await errorMessage(response));
      setJob((await response.json()) as ImportView);
    } finally {
      setBusy(false);
    }
  }

  const choose = (index: number, value: string) => {
    const field = value === "" ? null : (value as ImportField);
    // A field fills one column: choosing it here clears it elsewhere.
    setMapping((current) => current.map((existing, i) => (i === index ? field : existing === field ? null : existing)));
  };

  if (!job) {
    return (
      <form className="import-card" onSubmit={upload}>
        <h2>1. Upload a file</h2>
        <p className="import-hint">
          CSV (UTF-8), up to 100 MB: a generic file with a header row, or an export from Bitly, Kutt, Shlink or YOURLS (recognised from its header).
        </p>
        <div className="import-upload">
          <label className="sr-only" htmlFor="import-file">
            CSV file
          </label>
          <input id="import-file" name="file" type="file" accept=".csv,.tsv,.txt,text/csv" required />
          <button type="submit" disabled={busy}>
            {busy ? "Uploading…" : "Upload"}
          </button>
        </div>
        {error ? (
          <p role="alert" className="import-error">
            {error}
          </p>
        ) : null}
      </form>
    );
  }

  if (job.status === "uploaded") {
    return (
      <form className="import-card" onSubmit={start} aria-labelledby="mapping-title">
        <h2 id="mapping-title">2. Map the columns</h2>
        <p className="import-hint">
          {job.filename ?? "The file"} looks like {FORMAT_LABELS[job.format]}. Choose what each column fills; one must be the destination URL. Rows without a key get a random one.
        </p>
        <div className="mapping-scroll">
          <table className="mapping">
            <thead>
              <tr>
                {job.header.map((name, index) => (
                  <th key={index} scope="col">
                    <span className="col-name">{name}</span>
                    <select aria-label={`Column ${name}`} value={mapping[index] ?? ""} onChange={(event) => choose(index, event.target.value)}>
                      <option value="">Ignore</option>
                      {IMPORT_FIELDS.filter((field) => field !== "tags" || canTag).map((field) => (
                        <option key={field} value={field}>
                          {FIELD_LABELS[field]}
                        </option>
                      ))}
                    </select>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {job.sample.map((row, r) => (
                <tr key={r}>
                  {job.header.map((_, c) => (
                    <td key={c} title={row[c] ?? ""}>
                      {row[c] ?? ""}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="import-options">
          <fieldset>
            <legend>If some rows are invalid</legend>
            <label>
              <input type="radio" name="mode" value="skip_invalid" checked={mode === "skip_invalid"} onChange={() => setMode("skip_invalid")} />
              Import the valid rows, report the others
            </label>
            <label>
              <input type="radio" name="mode" value="all_or_nothing" checked={mode === "all_or_nothing"} onChange={() => setMode("all_or_nothing")} />
              Import nothing (all or nothing)
            </label>
          </fieldset>
          <label className="filter-domain">
            <span>Domain for rows without one</span>
            <select value={domain} onChange={(event) => setDomain(event.target.value)}>
              {domains.map((host) => (
                <option key={host} value={host}>
                  {host}
                </option>
              ))}
            </select>
          </label>
        </div>
        {error ? (
          <p role="alert" className="import-error">
            {error}
          </p>
        ) : null}
        <div className="import-actions">
          <button type="submit" disabled={busy || !mapping.includes("url")}>
            {busy ? "Starting…" : "Start import"}
          </button>
          <button type="button" className="ghost" onClick={() => setJob(null)}>
            Choose another file
          </button>
        </div>
      </form>
    );
  }

  const { rowsRead, rowsImported, rowsFailed } = job.progress;
  return (
    <section className="import-card" aria-labelledby="progress-title">
      <h2 id="progress-title">3. {running ? "Importing…" : job.status === "completed" ? "Import finished" : "Import failed"}</h2>
      {running ? <progress className="progress" aria-label="Import progress" /> : null}
      <p className="progress-figures" role="status">
        <span>
          Status: <span className={`import-status import-${job.status}`}>{job.status}</span>
        </span>
        <span>{NUMBER.format(rowsRead)} rows read</span>
        <span>{NUMBER.format(rowsImported)} imported</span>
        <span>{NUMBER.format(rowsFailed)} failed</span>
      </p>
      {job.error ? <p className="import-error">{job.error}</p> : null}
      {error ? (
        <p role="alert" className="import-error">
          {error}
        </p>
      ) : null}
      <div className="import-actions">
        {rowsFailed > 0 ? (
          <a className="button secondary" href={`/api/v1/imports/${job.id}/errors`} download>
            Download the error report
          </a>
        ) : null}
        {!running ? <Link href="/app">See your links</Link> : null}
        {!running ? (
          <button type="button" className="ghost" onClick={() => setJob(null)}>
            Import another file
          </button>
        ) : null}
      </div>
    </section>
  );
}
