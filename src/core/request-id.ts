/** Accepts a caller's `x-request-id` when it is a sane token, else makes a new one. */
export function requestIdFrom(incoming: string | null | undefined): string {
  return incoming && /^[A-Za-z0-9._:-]{8,128}$/.test(incoming) ? incoming : crypto.randomUUID();
}
