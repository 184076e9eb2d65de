/** What a server action answers a form with; shared by the account pages (client and server). */
export type FormState =
  | { status: "idle" }
  | { status: "error"; message: string; fields: Record<string, string>; values: Record<string, string> }
  | { status: "done"; message: string; detail?: string; link?: { href: string; label: string } };

export const IDLE: FormState = { status: "idle" };
