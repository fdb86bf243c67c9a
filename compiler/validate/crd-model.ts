import { runValidateFunc } from "@kubernetes-models/validate";

/** A CRD version's validator, compiled ahead of time from its published schema (compiler/validate/crds/). */
export interface CompiledCrd {
  API_VERSION: string;
  KIND: string;
  /** ajv's standalone function: true when valid, else false with its `errors` set. */
  validate: (data: unknown) => boolean;
}

export interface CrdModel {
  readonly apiVersion: string;
  readonly kind: string;
  new (data: object): { validate(): void };
}

/**
 * A model, shaped like the kubernetes-models classes, for a CRD version no models package release
 * for this Node.js has: its published openAPIV3Schema compiled by scripts/crd-schema.ts as those
 * packages compile theirs, and failures reported the same way.
 */
export function crdModel(crd: CompiledCrd): CrdModel {
  return class {
    static readonly apiVersion = crd.API_VERSION;
    static readonly kind = crd.KIND;
    constructor(data: object) {
      Object.assign(this, data);
    }
    validate(): void {
      runValidateFunc(crd.validate as Parameters<typeof runValidateFunc>[0], this);
    }
  };
}
