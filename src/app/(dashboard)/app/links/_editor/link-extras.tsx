"use client";

/** The edit page's companions: the short link with a copy button, the QR panel, archive and delete. */
import { AlertDialog, Select, Tooltip } from "radix-ui";
import { Check, ChevronDown, Copy, Download } from "lucide-react";
import { useRouter } from "next/navigation";
import { useEffect, useState, useTransition } from "react";
import { QR_MAX_SIZE, QR_MIN_SIZE, qrQuerySchema } from "@/core/qr";
import { archiveLinkAction, deleteLinkAction } from "./actions";

export function CopyShortLink({ shortLink }: { shortLink: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(timer);
  }, [copied]);
  return (
    <Tooltip.Provider delayDuration={300}>
      <Tooltip.Root>
        <Tooltip.Trigger asChild>
          <button
            type="button"
            className="le-secondary"
            onClick={async () => {
              await navigator.clipboard.writeText(shortLink);
              setCopied(true);
            }}
          >
            {copied ? <Check size={16} aria-hidden /> : <Copy size={16} aria-hidden />}
            {copied ? "Copied" : "Copy"}
          </button>
        </Tooltip.Trigger>
        <Tooltip.Portal>
          <Tooltip.Content className="le-tooltip" sideOffset={6}>
            Copy {shortLink} to the clipboard
          </Tooltip.Content>
        </Tooltip.Portal>
      </Tooltip.Root>
      <span className="sr-only" role="status" aria-live="polite">
        {copied ? "Short link copied" : ""}
      </span>
    </Tooltip.Provider>
  );
}

/** The QR code of the short link: options, a live preview and a download, all from GET /api/v1/links/{id}/qr. */
export function QrPanel({ linkId, linkKey }: { linkId: string; linkKey: string }) {
  const [format, setFormat] = useState<"png" | "svg">("png");
  const [size, setSize] = useState("512");
  const [fg, setFg] = useState("#000000");
  const [bg, setBg] = useState("#ffffff");
  const query = { format, size, fg, bg };
  const parsed = qrQuerySchema.safeParse(query);
  const [shown, setShown] = useState(() => new URLSearchParams(query).toString());
  const params = parsed.success ? new URLSearchParams(query).toString() : null;
  // The preview follows the options after a pause, not on every keystroke.
  useEffect(() => {
    if (!params) return;
    const timer = setTimeout(() => setShown(params), 300);
    return () => clearTimeout(timer);
  }, [params]);
  const error = parsed.success ? null : parsed.error.issues[0];
  const base = `/api/v1/links/${encodeURIComponent(linkId)}/qr`;
  return (
    <section className="le-section le-qr" aria-labelledby="le-h-qr">
      <h2 id="le-h-qr">QR code</h2>
      <div className="le-qr-grid">
        <div className="le-qr-options">
          <div className="le-field">
            <label htmlFor="qr-format">Format</label>
            <Select.Root value={format} onValueChange={(value) => setFormat(value as "png" | "svg")}>
              <Select.Trigger id="qr-format" className="le-select">
                <Select.Value />
                <Select.Icon className="le-select-icon">
                  <ChevronDown size={16} aria-hidden />
                </Select.Icon>
              </Select.Trigger>
              <Select.Portal>
                <Select.Content className="le-select-content" position="popper" sideOffset={4}>
                  <Select.Viewport>
                    <Select.Item value="png" className="le-select-item">
                      <Select.ItemText>PNG (image)</Select.ItemText>
                    </Select.Item>
                    <Select.Item value="svg" className="le-select-item">
                      <Select.ItemText>SVG (vector, for print)</Select.ItemText>
                    </Select.Item>
                  </Select.Viewport>
                </Select.Content>
              </Select.Portal>
            </Select.Root>
          </div>
          <div className="le-field">
            <label htmlFor="qr-size">Size (px)</label>
            <input
              id="qr-size"
              type="number"
              min={QR_MIN_SIZE}
              max={QR_MAX_SIZE}
              step={16}
              value={size}
              onChange={(event) => setSize(event.target.value)}
              aria-invalid={error?.path[0] === "size" ? true : undefined}
              aria-describedby={error?.path[0] === "size" ? "qr-error" : "qr-size-hint"}
            />
            <span id="qr-size-hint" className="le-hint">
              {QR_MIN_SIZE}–{QR_MAX_SIZE} pixels square.
            </span>
          </div>
          <div className="le-row">
            <div className="le-field">
              <label htmlFor="qr-fg">Foreground</label>
              <input id="qr-fg" type="color" value={fg} onChange={(event) => setFg(event.target.value)} aria-invalid={error?.path[0] === "fg" ? true : undefined} aria-describedby={error ? "qr-error" : undefined} />
            </div>
            <div className="le-field">
              <label htmlFor="qr-bg">Background</label>
              <input id="qr-bg" type="color" value={bg} onChange={(event) => setBg(event.target.value)} />
            </div>
          </div>
          {error ? (
            <p id="qr-error" className="field-error" role="alert">
              {error.path[0] === "fg" ? "Colours" : "Size"} {error.message}
            </p>
          ) : null}
          <a className={`button le-download${params ? "" : " le-disabled"}`} href={params ? `${base}?${params}&download=true` : undefined} aria-disabled={params ? undefined : true} download={`${linkKey}-qr.${format}`}>
            <Download size={16} aria-hidden /> Download {format.toUpperCase()}
          </a>
        </div>
        <div className="le-qr-preview">
          {/* The API renders the code; the preview is exactly what the download will be. */}
          {/* eslint-disable-next-line @next/next/no-img-element */}
          <img src={`${base}?${shown}`} alt={`QR code for the short link, ${format.toUpperCase()}`} width={200} height={200} />
        </div>
      </div>
    </section>
  );
}

export function LinkActions({ linkId, archived, canEdit }: { linkId: string; archived: boolean; canEdit: boolean }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [message, setMessage] = useState<{ tone: "error" | "done"; text: string } | null>(null);
  if (!canEdit) return null;
  return (
    <section className="le-section" aria-labelledby="le-h-danger">
      <h2 id="le-h-danger">Archive or delete</h2>
      <p className="le-hint">Archived links answer 404 and leave the list; their clicks stay. Deleting removes the link and its click history for good.</p>
      {message ? (
        <p className={message.tone === "error" ? "form-error" : "le-done"} role={message.tone === "error" ? "alert" : "status"}>
          {message.text}
        </p>
      ) : null}
      <div className="le-buttons">
        <button
          type="button"
          className="le-secondary"
          disabled={pending}
          onClick={() =>
            startTransition(async () => {
              const result = await archiveLinkAction(linkId, !archived);
              setMessage(result.status === "saved" ? { tone: "done", text: result.message } : { tone: "error", text: result.message });
              router.refresh();
            })
          }
        >
          {archived ? "Restore link" : "Archive link"}
        </button>
        <AlertDialog.Root>
          <AlertDialog.Trigger asChild>
            <button type="button" className="le-secondary le-danger" disabled={pending}>
              Delete link…
            </button>
          </AlertDialog.Trigger>
          <AlertDialog.Portal>
            <AlertDialog.Overlay className="le-overlay" />
            <AlertDialog.Content className="le-dialog">
              <AlertDialog.Title>Delete this link?</AlertDialog.Title>
              <AlertDialog.Description>The short link stops working and its click history is deleted. This cannot be undone; archiving can.</AlertDialog.Description>
              <div className="le-buttons">
                <AlertDialog.Cancel asChild>
                  <button type="button" className="le-secondary">
                    Keep it
                  </button>
                </AlertDialog.Cancel>
                <AlertDialog.Action asChild>
                  <button
                    type="button"
                    className="le-danger-solid"
                    onClick={() =>
                      startTransition(async () => {
                        const result = await deleteLinkAction(linkId);
                        if (result.status === "deleted") router.push("/app");
                        else setMessage({ tone: "error", text: result.message });
                      })
                    }
                  >
                    Delete
                  </button>
                </AlertDialog.Action>
              </div>
            </AlertDialog.Content>
          </AlertDialog.Portal>
        </AlertDialog.Root>
      </div>
    </section>
  );
}
