/** Recognises secret values in free text, by known formats and by randomness. Never returns the value. */

const KNOWN_FORMATS: readonly { what: string; pattern: RegExp }[] = [
  { what: "a private key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { what: "an AWS access key", pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { what: "a GitHub token", pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/ },
  { what: "a Slack token", pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { what: "a JSON Web Token", pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
  { what: "credentials in a URL", pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:[^\s@/]+@/i },
];

/** SOPS writes encrypted values as ENC[AES256_GCM,data:...]: ciphertext, not a secret in the clear. */
const SOPS_VALUE = /^ENC\[[A-Z0-9_]+,data:[^\]]*\]$/;

/** Tokens at least this long, mixing upper case, lower case and digits, with this much entropy, look generated. */
const RANDOM_TOKEN_MIN_LENGTH = 32;
const RANDOM_TOKEN_MIN_BITS_PER_CHAR = 4.2;

export function isSopsEncrypted(text: string): boolean {
  return SOPS_VALUE.test(text.trim());
}

/** What kind of secret `text` holds ("a GitHub token"), or undefined when it looks like none. */
export function secretIn(text: string): string | undefined {
  if (isSopsEncrypted(text)) return undefined;
  const known = KNOWN_FORMATS.find((f) => f.pattern.test(text));
  if (known) return known.what;
  return text.split(/[\s"'`=:,;()[\]{}<>]+/).some(looksRandom) ? "a high-entropy token" : undefined;
}

function looksRandom(token: string): boolean {
  if (token.length < RANDOM_TOKEN_MIN_LENGTH || !/^[A-Za-z0-9+/_.-]+={0,2}$/.test(token)) return false;
  if (!/[A-Z]/.test(token) || !/[a-z]/.test(token) || !/[0-9]/.test(token)) return false;
  return shannonBitsPerChar(token) >= RANDOM_TOKEN_MIN_BITS_PER_CHAR;
}

function shannonBitsPerChar(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}
