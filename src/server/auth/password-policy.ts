import "server-only";
import { dictionary } from "@zxcvbn-ts/language-common";

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 128;

let common: ReadonlySet<string> | undefined;

/**
 * The ~49,000 most common passwords from breach corpora, as shipped by @zxcvbn-ts/language-common
 * (`dictionary["passwords-common"]`, lower-case). Loaded on first use.
 */
function commonPasswords(): ReadonlySet<string> {
  common ??= new Set(dictionary["passwords-common"]);
  return common;
}

/**
 * Why `password` is not acceptable, or null when it is. The same words appear on every form and in
 * the API: length first, then the breached-password list (compared case-insensitively, and with
 * spaces removed, so `Password 1234` counts as `password1234`).
 */
export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `Use at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password.length > MAX_PASSWORD_LENGTH) return `Use at most ${MAX_PASSWORD_LENGTH} characters.`;
  const lower = password.toLowerCase();
  const list = commonPasswords();
  if (list.has(lower) || list.has(lower.replace(/\s+/g, ""))) {
    return "This password is on a list of commonly used passwords found in data breaches; choose another.";
  }
  return null;
}
