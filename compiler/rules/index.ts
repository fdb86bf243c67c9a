import { antiAffinity } from "./anti-affinity.js";
import { dataProtection } from "./data-protection.js";
import { hostPathLayout } from "./hostpath-layout.js";
import { images } from "./images.js";
import { networkPolicies } from "./network-policies.js";
import { podSecurity } from "./pod-security.js";
import { resourceBounds } from "./resource-bounds.js";
import { resourceDefaults } from "./resource-defaults.js";
import { scaleDown } from "./scale-down.js";
import { topology } from "./topology.js";
import { secretsHygiene } from "./secrets-hygiene.js";
import { securityContext } from "./security-context.js";
import type { Rule } from "./types.js";

/** The rules in the order they run: transformers first (each sees the output of the one before), then checks. */
export const RULES: readonly Rule[] = [
  hostPathLayout,
  topology,
  antiAffinity,
  securityContext,
  networkPolicies,
  resourceDefaults,
  dataProtection,
  resourceBounds,
  secretsHygiene,
  images,
  scaleDown,
  podSecurity,
];
