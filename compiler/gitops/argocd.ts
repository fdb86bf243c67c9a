import type { IApplication } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application";
import type { IApplicationSet } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationSet";
import { MANAGED_BY } from "../engines/shared/metadata.js";
import type { KubeObject } from "../engines/types.js";
import type { GitOpsSpec } from "../schema/gitops.js";
import { appNameOf, deliveryLabels, GITOPS_COMPONENT, repoPath, type DeliveredCluster } from "./metadata.js";

type ArgoCdSpec = NonNullable<GitOpsSpec["argocd"]>;

/** Where Argo CD reads rendered/ from. */
export interface ArgoCdSource {
  repoURL: string;
  revision: string;
}

const API_VERSION = "argoproj.io/v1alpha1";
/** The cluster Argo CD runs in: clusterc renders for the cluster that syncs it. */
const IN_CLUSTER = "https://kubernetes.default.svc";
/**
 * Deleting an Application deletes its resources too, so a removed cluster does not keep running
 * unmanaged; what carries Delete=false (volumes and claims) stays.
 */
const RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io";
/**
 * Pod Security admission's label: the namespace refuses pods below the level. Argo CD sets
 * managedNamespaceMetadata on the namespace it creates and on one that exists already
 * (argoproj/argo-cd controller/sync_namespace.go), so a cluster synced before gets it too.
 */
const ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";

/** What differs between the Applications of two clusters. */
interface AppParams {
  name: string;
  namespace: string;
  path: string;
  labels: Record<string, string>;
  podSecurity: string;
}

type ApplicationTemplate = IApplicationSet["spec"]["template"];

/**
 * The generated Applications' parameters, as Argo CD's Go templates over each git generator's
 * directory and values; `deliveryLabels` once filled in (a test holds them equal).
 */
const GENERATED: AppParams = {
  name: "{{.path.basename}}",
  namespace: "{{.values.namespace}}",
  path: "{{.path.path}}",
  podSecurity: "{{.values.podSecurity}}",
  labels: {
    "app.kubernetes.io/name": "{{.values.appName}}",
    "app.kubernetes.io/instance": "{{.path.basename}}",
    "app.kubernetes.io/component": GITOPS_COMPONENT,
    "app.kubernetes.io/managed-by": MANAGED_BY,
  },
};

/**
 * Argo CD's objects for the fleet: one Application per cluster, or one ApplicationSet named `name`
 * that generates the same Applications.
 */
export function argoCdObjects(name: string, source: ArgoCdSource, argocd: ArgoCdSpec, clusters: readonly DeliveredCluster[]): KubeObject[] {
  return argocd.mode === "applicationset"
    ? [applicationSet(name, source, argocd, clusters)]
    : clusters.map((cluster) => application(source, argocd, cluster));
}

function application(source: ArgoCdSource, argocd: ArgoCdSpec, cluster: DeliveredCluster): IApplication & KubeObject {
  const { metadata, spec } = template(source, argocd, {
    name: cluster.name,
    namespace: cluster.namespace,
    path: repoPath(cluster),
    labels: deliveryLabels(cluster),
    podSecurity: cluster.podSecurity,
  });
  return { apiVersion: API_VERSION, kind: "Application", metadata: { ...metadata, name: cluster.name, namespace: argocd.namespace }, spec };
}

/**
 * A git directory generator per cluster, each naming exactly one cluster folder (rendered/argocd and
 * rendered/flux never match) and carrying what the folder's path cannot tell: the namespace and the
 * app name. Deleting the ApplicationSet itself keeps the clusters running (preserveResourcesOnDeletion).
 */
function applicationSet(name: string, source: ArgoCdSource, argocd: ArgoCdSpec, clusters: readonly DeliveredCluster[]): IApplicationSet & KubeObject {
  return {
    apiVersion: API_VERSION,
    kind: "ApplicationSet",
    metadata: {
      name,
      namespace: argocd.namespace,
      labels: {
        "app.kubernetes.io/name": MANAGED_BY,
        "app.kubernetes.io/instance": name,
        "app.kubernetes.io/component": GITOPS_COMPONENT,
        "app.kubernetes.io/managed-by": MANAGED_BY,
      },
    },
    spec: {
      goTemplate: true,
      goTemplateOptions: ["missingkey=error"],
      generators: clusters.map((cluster) => ({
        git: {
          repoURL: source.repoURL,
          revision: source.revision,
          directories: [{ path: repoPath(cluster) }],
          values: { namespace: cluster.namespace, appName: appNameOf(cluster), podSecurity: cluster.podSecurity },
        },
      })),
      syncPolicy: { preserveResourcesOnDeletion: true },
      template: template(source, argocd, GENERATED),
    },
  };
}

function template(source: ArgoCdSource, argocd: ArgoCdSpec, app: AppParams): ApplicationTemplate & { metadata: { name: string } } {
  return {
    metadata: { name: app.name, labels: app.labels, finalizers: [RESOURCES_FINALIZER] },
    spec: {
      project: argocd.project,
      source: { repoURL: source.repoURL, targetRevision: source.revision, path: app.path },
      destination: { server: IN_CLUSTER, namespace: app.namespace },
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: ["CreateNamespace=true"],
        managedNamespaceMetadata: { labels: { [ENFORCE_LABEL]: app.podSecurity } },
      },
    },
  };
}
