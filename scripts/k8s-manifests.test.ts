import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { aisleApps } from "./k8s-apps.ts";
import {
  consistencyProblems,
  loadManifests,
  parseManifests,
  schemaProblems,
  type K8sObject,
  type Manifest,
} from "./k8s-manifests.ts";

const kustomization = fileURLToPath(new URL("../deploy/k8s/kustomization.yaml", import.meta.url));
const loaded = loadManifests(kustomization);
const apps = aisleApps();

/** All problems of a copy of the committed manifests changed by `edit`. */
function problemsAfter(edit: (find: (kind: string, name: string) => MutableObject) => void): string[] {
  const copy: Manifest[] = loaded.manifests.map((m) => ({ file: m.file, object: structuredClone(m.object) }));
  const find = (kind: string, name: string) => {
    const found = copy.find((m) => m.object.kind === kind && m.object.metadata?.name === name);
    if (found === undefined) throw new Error(`${kind} ${name} is not in the manifests`);
    return found.object as MutableObject;
  };
  edit(find);
  return [...schemaProblems(copy), ...consistencyProblems(copy, apps)];
}

type MutableObject = K8sObject & {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests reach into arbitrary manifest fields
  spec: any;
  data: Record<string, string>;
  stringData: Record<string, string>;
};
const container = (o: MutableObject) => o.spec.template.spec.containers[0];
const envVar = (o: MutableObject, name: string) =>
  (container(o).env as { name: string; value?: string }[]).find((e) => e.name === name);

describe("deploy/k8s as committed", () => {
  it("parses, validates with kubernetes-models and is consistent with the apps", () => {
    expect(loaded.problems).toEqual([]);
    expect(schemaProblems(loaded.manifests)).toEqual([]);
    expect(consistencyProblems(loaded.manifests, apps)).toEqual([]);
  });

  it("runs the gateway and every subgraph, each with a Service and a PodDisruptionBudget", () => {
    const names = (kind: string) =>
      loaded.manifests.filter((m) => m.object.kind === kind).map((m) => m.object.metadata?.name);
    const workloads = [...names("Deployment"), ...names("StatefulSet")].sort();
    expect(workloads).toEqual(apps.map((a) => a.name).sort());
    expect(names("Service").sort()).toEqual(workloads);
    expect(names("PodDisruptionBudget").sort()).toEqual(workloads);
  });
});

describe("the checks catch", () => {
  it("a readiness probe on /healthz, a liveness probe on another port, metrics scraped elsewhere", () => {
    const problems = problemsAfter((find) => {
      container(find("Deployment", "catalog")).readinessProbe.httpGet.path = "/healthz";
      container(find("Deployment", "pricing")).livenessProbe.httpGet.port = 9999;
      find("Deployment", "search").spec.template.metadata.annotations["prometheus.io/port"] = "9090";
    });
    expect(problems).toEqual([
      expect.stringMatching(
        /Deployment catalog: readinessProbe must GET \/readyz on the container port 4001/,
      ),
      expect.stringMatching(
        /Deployment search: the pod is not annotated for scraping \/metrics on port 4004/,
      ),
      expect.stringMatching(
        /Deployment pricing: livenessProbe must GET \/healthz on the container port 4007/,
      ),
    ]);
  });

  it("a required setting left out, or set to a value production cannot use", () => {
    const problems = problemsAfter((find) => {
      const pricing = find("Deployment", "pricing");
      container(pricing).env = container(pricing).env.filter(
        (e: { name: string }) => e.name !== "FEATURE_STORE",
      );
      envVar(find("Deployment", "search"), "SEARCH_BACKEND")!.value = "embedded";
    });
    expect(problems).toHaveLength(2);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/Deployment pricing: FEATURE_STORE is not set/),
        expect.stringMatching(/Deployment search: SEARCH_BACKEND=embedded, production needs opensearch/),
      ]),
    );
  });

  it("a setting the app's own parser refuses (the gateway without its identity provider)", () => {
    const problems = problemsAfter((find) => {
      delete find("ConfigMap", "aisle-gateway").data["AUTH_JWKS_URL"];
    });
    expect(problems).toEqual([
      expect.stringMatching(/gateway: AUTH_JWKS_URL is not set/),
      expect.stringMatching(
        /gateway: the app refuses this environment: [\s\S]*AUTH_JWKS_URL or AUTH_PUBLIC_KEY_FILE/,
      ),
    ]);
  });

  it("a secret key the Secret lacks, a URL on the loopback, a data directory on no volume", () => {
    const problems = problemsAfter((find) => {
      delete find("Secret", "aisle-secrets").stringData["DATABASE_URL"];
      find("ConfigMap", "aisle-backends").data["OPENSEARCH_URL"] = "http://127.0.0.1:9200";
      delete container(find("StatefulSet", "payment-risk")).volumeMounts;
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /Deployment catalog: DATABASE_URL refers to key DATABASE_URL that Secret aisle-secrets lacks/,
        ),
        expect.stringMatching(/Deployment search: OPENSEARCH_URL points at the loopback/),
        expect.stringMatching(
          /StatefulSet payment-risk: RISK_DATA_DIR=\/app\/.data\/payment-risk is not on a mounted volume/,
        ),
      ]),
    );
  });

  it("an HPA, a PDB or a Service that selects nothing, and a Deployment left without them", () => {
    const problems = problemsAfter((find) => {
      find("HorizontalPodAutoscaler", "search").spec.scaleTargetRef.name = "serch";
      find("PodDisruptionBudget", "pricing").spec.selector.matchLabels = {
        "app.kubernetes.io/name": "prices",
      };
      find("Service", "catalog").spec.ports[0].targetPort = "web";
    });
    expect(problems).toHaveLength(5);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/Deployment search: no HorizontalPodAutoscaler scales it/),
        expect.stringMatching(/Deployment pricing: 0 PodDisruptionBudgets select it/),
        expect.stringMatching(
          /HorizontalPodAutoscaler search: scales Deployment serch, which is not in the manifests/,
        ),
        expect.stringMatching(/PodDisruptionBudget pricing: selects no Deployment or StatefulSet/),
        expect.stringMatching(/Service catalog: targetPort web is no container port/),
      ]),
    );
  });

  it("a gateway that would call a subgraph where its Service is not, and replicas fixed under an HPA", () => {
    const problems = problemsAfter((find) => {
      find("ConfigMap", "aisle-gateway").data["CATALOG_URL"] = "http://catalog:4000/graphql";
      find("Deployment", "recommendation").spec.replicas = 3;
    });
    expect(problems).toEqual([
      expect.stringMatching(/Deployment recommendation: sets spec.replicas while an HPA scales it/),
      expect.stringMatching(
        /gateway: CATALOG_URL=http:\/\/catalog:4000\/graphql, the Service is http:\/\/catalog:4001/,
      ),
    ]);
  });

  it("a wrong type (kubernetes-models) and a YAML syntax error", () => {
    const problems = problemsAfter((find) => {
      container(find("Deployment", "gateway")).ports[0].containerPort = "4000";
    });
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/Deployment gateway: .*containerPort must be integer/)]),
    );
    const syntax: string[] = [];
    parseManifests("broken.yaml", "kind: Service\nmetadata: [name\n", syntax);
    expect(syntax.length).toBeGreaterThan(0);
    expect(syntax[0]).toMatch(/^broken.yaml: /);
  });
});
