/**
 * Options for the country and language pickers: ISO codes, named in the viewer's language by
 * Intl.DisplayNames (English on the server). Codes outside these lists can still be typed; the
 * rules schema is what decides.
 */

/** ISO 3166-1 alpha-2, every assigned code. */
export const COUNTRY_CODES = (
  "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
  "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
  "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
  "KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT " +
  "MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
  "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG " +
  "UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
).split(" ");

/** Languages people most often route by (ISO 639-1, plus common regional tags). */
export const LANGUAGE_CODES = (
  "af am ar az be bg bn bs ca cs cy da de de-AT de-CH el en en-GB en-US es es-419 es-MX et eu fa fi fil fr fr-CA ga gl gu " +
  "he hi hr hu hy id is it ja ka kk km kn ko ky lo lt lv mk ml mn mr ms my nb ne nl pa pl pt pt-BR pt-PT ro ru si sk sl sq " +
  "sr sv sw ta te th tr uk ur uz vi zh zh-Hans zh-Hant zh-TW zu"
).split(" ");

export interface PickerOption {
  value: string;
  label: string;
}

function displayNames(type: "region" | "language"): (code: string) => string {
  try {
    const names = new Intl.DisplayNames(["en"], { type, fallback: "code" });
    return (code) => names.of(code) ?? code;
  } catch {
    return (code) => code;
  }
}

export function countryOptions(): PickerOption[] {
  const name = displayNames("region");
  return COUNTRY_CODES.map((code) => ({ value: code, label: name(code) })).sort((a, b) => a.label.localeCompare(b.label, "en"));
}

export function languageOptions(): PickerOption[] {
  const name = displayNames("language");
  return LANGUAGE_CODES.map((code) => ({ value: code.toLowerCase(), label: name(code) })).sort((a, b) => a.label.localeCompare(b.label, "en"));
}

/**
 * What a typed entry means: an option's code (typed in any case) or its name; anything else is
 * kept as typed for the schema to judge.
 */
export function resolveOption(options: readonly PickerOption[], typed: string): string {
  const entry = typed.trim();
  const lower = entry.toLowerCase();
  const match = options.find((option) => option.value.toLowerCase() === lower) ?? options.find((option) => option.label.toLowerCase() === lower);
  return match ? match.value : entry;
}
