/** Kubernetes resource quantities ("500m", "4", "16Gi", "1e3"): parsing and comparison. */

export const QUANTITY_PATTERN = /^[+]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const SUFFIX_FACTORS: Record<string, number> = {
  "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A fleet names a handful of sizes thousands of times (every directory of every pool, every volume). */
const parsed = new Map<string, number>();

/** The value of a quantity in base units (cores, bytes). Throws on text that is not a quantity: validate first. */
export function quantityValue(quantity: string): number {
  const known = parsed.get(quantity);
  if (known !== undefined) return known;
  const match = QUANTITY_PATTERN.exec(quantity);
  if (!match) throw new Error(`not a Kubernetes quantity: ${quantity}`);
  const number = Number(match[1]);
  const suffix = match[3] ?? "";
  const value = /^[eE]/.test(suffix) ? number * 10 ** Number(suffix.slice(1)) : number * SUFFIX_FACTORS[suffix]!;
  parsed.set(quantity, value);
  return value;
}

export function compareQuantities(a: string, b: string): number {
  return Math.sign(quantityValue(a) - quantityValue(b));
}
