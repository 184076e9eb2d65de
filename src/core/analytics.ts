/**
 * Click analytics vocabulary shared by the click store, the analytics API and the dashboard.
 * Runtime-neutral: no Node or database imports.
 */

/** The dimensions clicks are rolled up and broken down by. */
export const CLICK_DIMENSIONS = ["country", "region", "city", "device", "os", "browser", "referrer", "language", "rule", "variant"] as const;
export type ClickDimension = (typeof CLICK_DIMENSIONS)[number];

/** The rollup dimension that holds the plain count (value ""). */
export const TOTAL_DIMENSION = "all";

/** How an unknown value (no referrer, no geo header, no rule matched) is stored in rollups. */
export const UNKNOWN_VALUE = "";
