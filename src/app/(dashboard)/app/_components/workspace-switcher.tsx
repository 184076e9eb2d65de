"use client";

import { Check, ChevronsUpDown } from "lucide-react";
import Link from "next/link";
import { DropdownMenu } from "radix-ui";
import { useState, useTransition } from "react";
import { switchWorkspaceTo } from "../actions";

interface Workspace {
  id: string;
  name: string;
  role: string;
}

/**
 * The active workspace and a menu to switch to another one (the same switch as the settings
 * pages). Without JavaScript the settings page's switch form does the job.
 */
export function WorkspaceSwitcher({ current, workspaces }: { current: Workspace | null; workspaces: Workspace[] }) {
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const choose = (id: string) => {
    if (id === current?.id) return;
    setError(null);
    startTransition(async () => {
      const result = await switchWorkspaceTo(id);
      if (result?.error) setError(result.error);
    });
  };
  return (
    <div className="ws">
      <DropdownMenu.Root>
        <DropdownMenu.Trigger className="ws-trigger" aria-busy={pending || undefined}>
          <span className="ws-label">Workspace</span>
          <span className="ws-name">{current ? current.name : "None chosen"}</span>
          {current ? <span className="ws-role">{current.role}</span> : null}
          <ChevronsUpDown aria-hidden size={16} />
        </DropdownMenu.Trigger>
        <DropdownMenu.Portal>
          <DropdownMenu.Content className="menu" align="start" sideOffset={6}>
            <DropdownMenu.Label className="menu-label">Switch workspace</DropdownMenu.Label>
            <DropdownMenu.RadioGroup value={current?.id ?? ""} onValueChange={choose}>
              {workspaces.map((w) => (
                <DropdownMenu.RadioItem key={w.id} value={w.id} className="menu-item">
                  <DropdownMenu.ItemIndicator className="menu-check">
                    <Check aria-hidden size={16} />
                  </DropdownMenu.ItemIndicator>
                  <span>{w.name}</span>
                  <span className="menu-hint">{w.role}</span>
                </DropdownMenu.RadioItem>
              ))}
            </DropdownMenu.RadioGroup>
            <DropdownMenu.Separator className="menu-separator" />
            <DropdownMenu.Item asChild className="menu-item">
              <Link href="/settings/account">Create or manage workspaces</Link>
            </DropdownMenu.Item>
          </DropdownMenu.Content>
        </DropdownMenu.Portal>
      </DropdownMenu.Root>
      <noscript>
        <a href="/settings/account" className="ws-nojs">
          Switch workspace
        </a>
      </noscript>
      {error ? (
        <p role="alert" className="ws-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}
