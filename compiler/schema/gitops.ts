import { z } from "zod";
import { API_VERSION, dnsLabel, matching, plainMetadata } from "./common.js";

/** Kubernetes object names (AppProject, GitRepository): DNS-1123 subdomains. */
const objectName = matching(
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
  "a Kubernetes object name: lower-case letters, digits, '-' and '.'",
);

const argocd = z.strictObject({
  namespace: dnsLabel.default("argocd").describe("Namespace Argo CD watches for Applications"),
  project: objectName.default("default").describe("Argo CD project of every Application"),
  mode: z.enum(["applications", "applicationset"]).default("applications")
    .describe("One Application file per cluster, or one ApplicationSet that generates them"),
});

const flux = z.strictObject({
  namespace: dnsLabel.default("flux-system").describe("Namespace of the Flux Kustomizations and their source"),
  sourceRef: z
    .strictObject({
      kind: z.enum(["GitRepository", "Bucket", "OCIRepository"]).default("GitRepository").describe("Kind of the Flux source"),
      name: objectName.default("flux-system").describe("Name of the Flux source; `flux bootstrap` creates flux-system"),
    })
    .default({ kind: "GitRepository", name: "flux-system" })
    .describe("The Flux source that holds this repository"),
  interval: matching(/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/, "a Go duration such as 10m or 1h30m")
    .default("10m")
    .describe("How often Flux reconciles each cluster"),
});

export const gitOpsDocument = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal("GitOps"),
  metadata: plainMetadata,
  spec: z
    .strictObject({
      repoURL: matching(/^([a-z][a-z0-9+.-]*:\/\/|[\w.-]+@[\w.-]+:)\S+$/, "a Git URL such as https://git.example.com/org/repo.git or git@host:org/repo.git")
        .optional()
        .describe("URL of this repository, where Argo CD reads rendered/ (required with argocd)"),
      revision: z.string().min(1).default("main").describe("Branch, tag or commit Argo CD syncs"),
      argocd: argocd.optional().describe("Render rendered/argocd/: Argo CD Applications"),
      flux: flux.optional().describe("Render rendered/flux/: Flux Kustomizations"),
    })
    .superRefine((value, ctx) => {
      if (value.argocd === undefined && value.flux === undefined) {
        ctx.addIssue({ code: "custom", path: [], message: "needs argocd, flux or both: without them there is nothing to render" });
      }
      if (value.argocd !== undefined && value.repoURL === undefined) {
        ctx.addIssue({ code: "custom", path: ["repoURL"], message: "is required with argocd: Argo CD Applications name the repository they sync from" });
      }
    })
    .describe("Where Argo CD and Flux find rendered/"),
});
export type GitOpsDocument = z.output<typeof gitOpsDocument>;
export type GitOpsSpec = GitOpsDocument["spec"];
