/**
 * `npm run check:k8s`: validates deploy/k8s offline (no cluster, no API server): every manifest parses, passes
 * kubernetes-models' type and required-field validation, and is consistent with the others and with the apps
 * (see consistencyProblems in k8s-manifests.ts).
 */
import { fileURLToPath } from "node:url";
import { aisleApps } from "./k8s-apps.ts";
import { consistencyProblems, loadManifests, schemaProblems } from "./k8s-manifests.ts";

const kustomization = fileURLToPath(new URL("../deploy/k8s/kustomization.yaml", import.meta.url));
const { manifests, problems } = loadManifests(kustomization);
problems.push(...schemaProblems(manifests), ...consistencyProblems(manifests, aisleApps()));
if (problems.length > 0) {
  process.stderr.write(`deploy/k8s has problems:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
  process.exit(1);
}
const kinds = new Map<string, number>();
for (const m of manifests) kinds.set(m.object.kind ?? "?", (kinds.get(m.object.kind ?? "?") ?? 0) + 1);
process.stdout.write(
  `deploy/k8s: ${manifests.length} objects valid and consistent (${[...kinds].map(([k, n]) => `${n} ${k}`).join(", ")}).\n`,
);
