import { Ajv } from "ajv";
import { formats, runValidateFunc } from "@kubernetes-models/validate";

export interface CrdModel {
  readonly apiVersion: string;
  readonly kind: string;
  new (data: unknown): { validate(): void };
}

/**
 * A model, shaped like the kubernetes-models classes, for a CRD version no models package release
 * for this Node.js has: its published openAPIV3Schema (compiler/validate/crds/) compiled with the ajv
 * and the formats those packages validate with, and failures reported the same way. Compiled once.
 */
export function crdModel(crd: { API_VERSION: string; KIND: string; SCHEMA: object }): CrdModel {
  let compiled: ReturnType<Ajv["compile"]> | undefined;
  return class {
    static readonly apiVersion = crd.API_VERSION;
    static readonly kind = crd.KIND;
    constructor(private readonly data: unknown) {}
    validate(): void {
      if (compiled === undefined) {
        const ajv = new Ajv({ strict: false, allErrors: true });
        for (const [name, format] of Object.entries(formats)) ajv.addFormat(name, format as never);
        compiled = ajv.compile(crd.SCHEMA);
      }
      runValidateFunc(compiled, this.data);
    }
  };
}
