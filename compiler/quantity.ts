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

const BINARY_EXPONENTS: Record<string, bigint> = { Ki: 10n, Mi: 20n, Gi: 30n, Ti: 40n, Pi: 50n, Ei: 60n };
const DECIMAL_EXPONENTS: Record<string, bigint> = { "": 0n, m: -3n, k: 3n, M: 6n, G: 9n, T: 12n, P: 15n, E: 18n };

/**
 * The exact number of bytes of a storage quantity, fractions of a byte rounded up as Kubernetes
 * rounds them (resource.Quantity.Value); exact where quantityValue's floating point is not.
 */
export function quantityBytes(quantity: string): bigint {
  const match = QUANTITY_PATTERN.exec(quantity);
  if (!match) throw new Error(`not a Kubernetes quantity: ${quantity}`);
  const [whole = "", fraction = ""] = match[1]!.split(".");
  const suffix = match[3] ?? "";
  let numerator = BigInt(`${whole}${fraction}` || "0");
  let denominator = 10n ** BigInt(fraction.length);
  const binary = BINARY_EXPONENTS[suffix];
  const decimal = /^[eE]/.test(suffix) ? BigInt(suffix.slice(1)) : DECIMAL_EXPONENTS[suffix]!;
  if (binary !== undefined) numerator *= 2n ** binary;
  else if (decimal >= 0n) numerator *= 10n ** decimal;
  else denominator *= 10n ** -decimal;
  return (numerator + denominator - 1n) / denominator;
}
