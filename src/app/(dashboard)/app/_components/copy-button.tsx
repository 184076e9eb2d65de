"use client";

import { Check, Copy } from "lucide-react";
import { useEffect, useRef, useState, useSyncExternalStore } from "react";

const noSubscription = () => () => {};

/**
 * Copies a short link to the clipboard and says so, visibly and to screen readers. Hidden (but
 * keeping its place, so nothing moves) until JavaScript can run it.
 */
export function CopyButton({ text, label }: { text: string; label: string }) {
  // True once hydrated (the server snapshot says false): no effect-driven re-render needed.
  const ready = useSyncExternalStore(noSubscription, () => true, () => false);
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    return () => {
      if (timer.current) clearTimeout(timer.current);
    };
  }, []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      setState("failed");
    }
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => setState("idle"), 2500);
  };
  return (
    <span className="copy" data-ready={ready || undefined}>
      <button type="button" className="icon-button" onClick={copy} aria-label={label} disabled={!ready}>
        {state === "copied" ? <Check aria-hidden size={16} /> : <Copy aria-hidden size={16} />}
      </button>
      <span role="status" className={state === "idle" ? "copy-status sr-only" : "copy-status"}>
        {state === "copied" ? "Copied" : state === "failed" ? "Copy failed: select the text and copy it" : ""}
      </span>
    </span>
  );
}
