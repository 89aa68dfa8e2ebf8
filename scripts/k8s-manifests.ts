import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Namespace, Secret, Service } from "kubernetes-models/v1";
import { parseAllDocuments } from "yaml";

/** One Kubernetes object read from a manifest, with the file it came from. */
export interface Manifest {
  readonly file: string;
  readonly object: K8sObject;
}

/** The parts of a Kubernetes object the consistency checks read (validated beforehand by kubernetes-models). */
export interface K8sObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly labels?: Record<string, string> };
  readonly data?: Record<string, string>;
  readonly stringData?: Record<string, string>;
  readonly spec?: Record<string, unknown>;
}

interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    readonly configMapKeyRef?: { readonly name: string; readonly key: string };
    readonly secretKeyRef?: { readonly name: string; readonly key: string };
    readonly fieldRef?: { readonly fieldPath: string };
  };
}
interface Probe {
  readonly httpGet?: { readonly path?: string; readonly port?: string | number };
}
interface Container {
  readonly name: string;
  readonly ports?: readonly { readonly name?: string; readonly containerPort: number }[];
  readonly env?: readonly EnvVar[];
  readonly envFrom?: readonly {
    readonly configMapRef?: { readonly name: string };
    readonly secretRef?: { readonly name: string };
  }[];
  readonly readinessProbe?: Probe;
  readonly livenessProbe?: Probe;
  readonly resources?: {
    readonly requests?: Record<string, string>;
    readonly limits?: Record<string, string>;
  };
  readonly volumeMounts?: readonly { readonly name: string; readonly mountPath: string }[];
}
interface PodTemplate {
  readonly metadata?: {
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly spec?: { readonly containers?: readonly Container[] };
}

/** kubernetes-models classes by `apiVersion/kind`: what the manifests may contain. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "v1/Service": Service,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Namespace": Namespace,
};

const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet"]);

/**
 * What each workload must set explicitly in production (beyond what the app's own config parser checks):
 * the wiring to shared stores, so no replica falls back to an in-process store or a 127.0.0.1 default.
 * A string value is required as is; null means any value. Keep in step with the README's table and
 * docker-compose.yml.
 */
export const REQUIRED_ENV: Record<string, Record<string, string | null>> = {
  "*": { NODE_ENV: "production", HOST: "0.0.0.0", PORT: null, AISLE_INTERNAL_SECRET: null },
  "*subgraph": {
    AISLE_UNSIGNED_REQUESTS: "reject",
    AISLE_REPLAY_STORE: "redis",
    AISLE_REPLAY_REDIS_URL: null,
  },
  gateway: {
    AUTH_JWKS_URL: null,
    AUTH_ISSUER: null,
    AUTH_AUDIENCE: null,
    RATE_LIMIT_STORE: "redis",
    REDIS_URL: null,
  },
  catalog: { DATABASE_URL: null },
  "user-profile": {
    DATABASE_URL: null,
    REDIS_URL: null,
    FEATURE_STORE: "redis",
    EVENT_STREAM: "redis",
    EVENT_STREAM_REDIS_URL: null,
  },
  recommendation: { REDIS_URL: null, FEATURE_STORE: "redis" },
  search: { SEARCH_BACKEND: "opensearch", OPENSEARCH_URL: null },
  logistics: {
    REDIS_URL: null,
    FEATURE_STORE: "redis",
    LOGISTICS_JOURNAL: "redis",
    LOGISTICS_JOURNAL_REDIS_URL: null,
  },
  "payment-risk": { RISK_BACKEND: "redis", REDIS_URL: null, RISK_DATA_DIR: null },
  pricing: { REDIS_URL: null, FEATURE_STORE: "redis" },
};

/** Variables naming a directory that must survive a restart: it must be on a mounted volume. */
const DATA_DIR_VARIABLES = ["LOGISTICS_DATA_DIR", "RISK_DATA_DIR"];

/** Reads kustomization.yaml's resources and every YAML document in them; a file that does not parse is a problem. */
export function loadManifests(kustomizationFile: string): { manifests: Manifest[]; problems: string[] } {
  const problems: string[] = [];
  const manifests: Manifest[] = [];
  const dir = dirname(kustomizationFile);
  const kustomization = parseAllDocuments(readFileSync(kustomizationFile, "utf8"))[0]?.toJS() as
    { resources?: string[] } | undefined;
  const files = kustomization?.resources ?? [];
  if (files.length === 0) problems.push(`${kustomizationFile}: no resources`);
  // The example Secret is not applied (no value is committed) but is what secretKeyRefs are checked against.
  for (const file of [...files, "secret.example.yaml"]) {
    let text: string;
    try {
      text = readFileSync(join(dir, file), "utf8");
    } catch {
      problems.push(`${file}: listed in kustomization.yaml but missing`);
      continue;
    }
    manifests.push(...parseManifests(file, text, problems));
  }
  return { manifests, problems };
}

/** The objects of one multi-document YAML text; syntax errors go to `problems`. */
export function parseManifests(file: string, text: string, problems: string[]): Manifest[] {
  const out: Manifest[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) {
      for (const error of document.errors) problems.push(`${file}: ${error.message}`);
      continue;
    }
    const object = document.toJS() as K8sObject | null;
    if (object !== null) out.push({ file, object });
  }
  return out;
}

const nameOf = (m: Manifest) => m.object.metadata?.name ?? "(unnamed)";
const where = (m: Manifest) => `${m.file}: ${m.object.kind ?? "?"} ${nameOf(m)}`;

/** Type and required-field validation of each object with kubernetes-models (offline; no API server). */
export function schemaProblems(manifests: readonly Manifest[]): string[] {
  const problems: string[] = [];
  for (const manifest of manifests) {
    const { apiVersion, kind } = manifest.object;
    const Model = MODELS[`${apiVersion}/${kind}`];
    if (Model === undefined) {
      problems.push(`${where(manifest)}: ${apiVersion}/${kind} is not a kind these manifests use`);
      continue;
    }
    try {
      new Model(manifest.object as never).validate();
    } catch (error) {
      problems.push(`${where(manifest)}: ${(error as Error).message}`);
    }
  }
  return problems;
}

function matches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) {
  if (selector === undefined || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

function templateOf(workload: Manifest): PodTemplate {
  return (workload.object.spec?.["template"] ?? {}) as PodTemplate;
}

/** The environment a container gets, resolved through ConfigMaps and Secrets; unresolvable references are problems. */
export function resolveEnv(
  container: Container,
  byKindName: ReadonlyMap<string, Manifest>,
  problems: string[],
  context: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  const dataOf = (kind: "ConfigMap" | "Secret", name: string): Record<string, string> | undefined => {
    const found = byKindName.get(`${kind}/${name}`);
    if (found === undefined) problems.push(`${context}: ${kind} ${name} is not in the manifests`);
    return found === undefined ? undefined : { ...found.object.data, ...found.object.stringData };
  };
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef !== undefined) Object.assign(env, dataOf("ConfigMap", source.configMapRef.name));
    if (source.secretRef !== undefined) Object.assign(env, dataOf("Secret", source.secretRef.name));
  }
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.configMapKeyRef ?? variable.valueFrom?.secretKeyRef;
    if (ref !== undefined) {
      const kind = variable.valueFrom?.configMapKeyRef !== undefined ? "ConfigMap" : "Secret";
      const value = dataOf(kind, ref.name)?.[ref.key];
      if (value === undefined) {
        problems.push(`${context}: ${variable.name} refers to key ${ref.key} that ${kind} ${ref.name} lacks`);
      } else env[variable.name] = value;
    } else if (variable.valueFrom?.fieldRef !== undefined) {
      env[variable.name] = `(${variable.valueFrom.fieldRef.fieldPath})`;
    } else {
      env[variable.name] = variable.value ?? "";
    }
  }
  return env;
}

export interface AppExpectation {
  /** Workload (and Service) name. */
  readonly name: string;
  readonly port: number;
  /** Throws when the app would refuse to start with this environment (its own config parser). */
  readonly checkEnv: (env: Record<string, string>) => void;
}

/**
 * Consistency of the manifests with each other and with the apps: every app has a workload, a Service, a PDB
 * and (for a Deployment) an HPA; probes hit /readyz and /healthz on the container port, and the pod is
 * annotated for scraping /metrics there; resources are set;
 * the environment resolves, sets what REQUIRED_ENV names, passes the app's own config parser and points no
 * URL at the loopback; data directories sit on volumes; the gateway reaches every subgraph's Service.
 */
export function consistencyProblems(
  manifests: readonly Manifest[],
  apps: readonly AppExpectation[],
): string[] {
  const problems: string[] = [];
  const byKindName = new Map(manifests.map((m) => [`${m.object.kind}/${nameOf(m)}`, m]));
  const workloads = manifests.filter((m) => WORKLOAD_KINDS.has(m.object.kind ?? ""));
  const ofKind = (kind: string) => manifests.filter((m) => m.object.kind === kind);
  const labelsOf = (w: Manifest) => templateOf(w).metadata?.labels;

  for (const app of apps) {
    if (!workloads.some((w) => nameOf(w) === app.name))
      problems.push(`${app.name}: no Deployment or StatefulSet`);
  }
  const envByWorkload = new Map<string, Record<string, string>>();
  for (const workload of workloads) {
    const context = where(workload);
    const name = nameOf(workload);
    const spec = workload.object.spec ?? {};
    const selector = (spec["selector"] as { matchLabels?: Record<string, string> } | undefined)?.matchLabels;
    if (!matches(selector, labelsOf(workload)))
      problems.push(`${context}: spec.selector does not match the pod labels`);
    const containers = templateOf(workload).spec?.containers ?? [];
    const app = apps.find((a) => a.name === name);
    if (app === undefined) problems.push(`${context}: no app of that name (scripts/subgraphs.ts or gateway)`);
    for (const container of containers) {
      const ports = container.ports ?? [];
      const port = ports[0];
      if (port === undefined) {
        problems.push(`${context}: container ${container.name} declares no port`);
        continue;
      }
      if (app !== undefined && port.containerPort !== app.port)
        problems.push(`${context}: containerPort ${port.containerPort}, the app listens on ${app.port}`);
      const onPort = (probe: Probe | undefined) =>
        probe?.httpGet?.port === port.containerPort ||
        (port.name !== undefined && probe?.httpGet?.port === port.name);
      for (const [field, path] of [
        ["readinessProbe", "/readyz"],
        ["livenessProbe", "/healthz"],
      ] as const) {
        const probe = container[field];
        if (probe?.httpGet?.path !== path || !onPort(probe))
          problems.push(`${context}: ${field} must GET ${path} on the container port ${port.containerPort}`);
      }
      for (const kind of ["requests", "limits"] as const)
        for (const resource of ["cpu", "memory"])
          if (container.resources?.[kind]?.[resource] === undefined)
            problems.push(`${context}: resources.${kind}.${resource} is not set`);

      const annotations = templateOf(workload).metadata?.annotations ?? {};
      if (
        annotations["prometheus.io/scrape"] !== "true" ||
        annotations["prometheus.io/port"] !== String(port.containerPort) ||
        annotations["prometheus.io/path"] !== "/metrics"
      )
        problems.push(
          `${context}: the pod is not annotated for scraping /metrics on port ${port.containerPort}`,
        );

      const env = resolveEnv(container, byKindName, problems, context);
      envByWorkload.set(name, env);
      if (env["PORT"] !== String(port.containerPort))
        problems.push(`${context}: PORT=${env["PORT"]} but the containerPort is ${port.containerPort}`);
      const required = {
        ...REQUIRED_ENV["*"],
        ...(name === "gateway" ? {} : REQUIRED_ENV["*subgraph"]),
        ...REQUIRED_ENV[name],
      };
      for (const [variable, value] of Object.entries(required)) {
        if (env[variable] === undefined || env[variable] === "")
          problems.push(`${context}: ${variable} is not set`);
        else if (value !== null && env[variable] !== value)
          problems.push(`${context}: ${variable}=${env[variable]}, production needs ${value}`);
      }
      for (const [variable, value] of Object.entries(env)) {
        if (/:\/\/(127\.0\.0\.1|localhost)\b/.test(value))
          problems.push(`${context}: ${variable} points at the loopback (${value})`);
      }
      for (const variable of DATA_DIR_VARIABLES) {
        const dir = env[variable];
        if (dir === undefined) continue;
        const mounted = (container.volumeMounts ?? []).some(
          (m) => dir === m.mountPath || dir.startsWith(`${m.mountPath}/`),
        );
        if (!mounted) problems.push(`${context}: ${variable}=${dir} is not on a mounted volume`);
      }
      if (app !== undefined) {
        try {
          app.checkEnv(env);
        } catch (error) {
          problems.push(`${context}: the app refuses this environment: ${(error as Error).message}`);
        }
      }
    }

    const services = ofKind("Service").filter((s) =>
      matches(s.object.spec?.["selector"] as Record<string, string> | undefined, labelsOf(workload)),
    );
    if (services.length === 0) problems.push(`${context}: no Service selects it`);
    const hpas = ofKind("HorizontalPodAutoscaler").filter((h) => {
      const target = h.object.spec?.["scaleTargetRef"] as { kind?: string; name?: string } | undefined;
      return target?.kind === workload.object.kind && target?.name === name;
    });
    if (workload.object.kind === "Deployment" && hpas.length === 0)
      problems.push(`${context}: no HorizontalPodAutoscaler scales it`);
    if (hpas.length > 0 && spec["replicas"] !== undefined)
      problems.push(
        `${context}: sets spec.replicas while an HPA scales it (every apply would reset the count)`,
      );
    for (const hpa of hpas) {
      const metrics = (hpa.object.spec?.["metrics"] ?? []) as { resource?: { name?: string } }[];
      if (!metrics.some((m) => m.resource?.name === "cpu"))
        problems.push(`${where(hpa)}: scales on no CPU metric`);
    }
    const pdbs = ofKind("PodDisruptionBudget").filter((p) =>
      matches(
        (p.object.spec?.["selector"] as { matchLabels?: Record<string, string> } | undefined)?.matchLabels,
        labelsOf(workload),
      ),
    );
    if (pdbs.length !== 1)
      problems.push(`${context}: ${pdbs.length} PodDisruptionBudgets select it (one is expected)`);
  }

  // Every Service, HPA and PDB must reach a workload; every Service port must name a container port.
  for (const service of ofKind("Service")) {
    const selector = service.object.spec?.["selector"] as Record<string, string> | undefined;
    const targets = workloads.filter((w) => matches(selector, labelsOf(w)));
    if (targets.length === 0) {
      problems.push(`${where(service)}: selects no Deployment or StatefulSet`);
      continue;
    }
    const ports = (service.object.spec?.["ports"] ?? []) as { targetPort?: string | number }[];
    for (const port of ports) {
      const ok = targets.every((t) =>
        (templateOf(t).spec?.containers ?? []).some((c) =>
          (c.ports ?? []).some((p) => p.name === port.targetPort || p.containerPort === port.targetPort),
        ),
      );
      if (!ok) problems.push(`${where(service)}: targetPort ${String(port.targetPort)} is no container port`);
    }
  }
  for (const hpa of ofKind("HorizontalPodAutoscaler")) {
    const target = hpa.object.spec?.["scaleTargetRef"] as { kind?: string; name?: string } | undefined;
    if (!byKindName.has(`${target?.kind}/${target?.name}`))
      problems.push(`${where(hpa)}: scales ${target?.kind} ${target?.name}, which is not in the manifests`);
  }
  for (const pdb of ofKind("PodDisruptionBudget")) {
    const selector = (pdb.object.spec?.["selector"] as { matchLabels?: Record<string, string> } | undefined)
      ?.matchLabels;
    if (!workloads.some((w) => matches(selector, labelsOf(w))))
      problems.push(`${where(pdb)}: selects no Deployment or StatefulSet`);
  }

  // The gateway reaches each subgraph at its Service: <NAME>_URL = http://<service>:<port>/graphql.
  const gatewayEnv = envByWorkload.get("gateway");
  if (gatewayEnv !== undefined) {
    for (const app of apps.filter((a) => a.name !== "gateway")) {
      const variable = `${app.name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_URL`;
      const expected = `http://${app.name}:${app.port}/graphql`;
      if (gatewayEnv[variable] !== expected)
        problems.push(
          `gateway: ${variable}=${gatewayEnv[variable] ?? "(unset)"}, the Service is ${expected}`,
        );
    }
  }
  return problems;
}
