import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { metricsRegistry } from "@aisle/kit";
import { SUBGRAPHS } from "./subgraphs.ts";

const root = new URL("../", import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), "utf8");

interface Dashboard {
  panels: { title: string; targets: { expr: string }[] }[];
}

describe("the committed Prometheus and Grafana configuration", () => {
  it("charts only metrics the servers export (a renamed metric would leave a panel empty)", () => {
    const dashboard = JSON.parse(read("deploy/grafana/dashboards/aisle.json")) as Dashboard;
    const names = new Set<string>();
    for (const panel of dashboard.panels)
      for (const target of panel.targets)
        for (const match of target.expr.matchAll(/\b((?:aisle|nodejs|process)_[a-z0-9_]+)\b/g))
          names.add((match[1] as string).replace(/_(bucket|sum|count)$/, ""));
    expect(names.size).toBeGreaterThan(10);
    const missing = [...names].filter((name) => metricsRegistry.getSingleMetric(name) === undefined);
    expect(missing).toEqual([]);
  });

  it("scrapes the gateway and every subgraph on its port", () => {
    const config = parse(read("deploy/prometheus/prometheus.yml")) as {
      scrape_configs: { metrics_path: string; static_configs: { targets: string[] }[] }[];
    };
    const job = config.scrape_configs[0];
    expect(job?.metrics_path).toBe("/metrics");
    const targets = job?.static_configs.flatMap((c) => c.targets) ?? [];
    const expected = ["gateway:4000", ...SUBGRAPHS.map((s) => `${s.name}:${s.defaultPort}`)];
    expect([...targets].sort()).toEqual(expected.sort());
  });

  it("mounts them in the compose stack", () => {
    const compose = parse(read("docker-compose.yml")) as {
      services: Record<string, { volumes?: string[] }>;
    };
    expect(compose.services["prometheus"]?.volumes).toContain(
      "./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro",
    );
    expect(compose.services["grafana"]?.volumes).toContain(
      "./deploy/grafana/dashboards:/var/lib/grafana/dashboards:ro",
    );
  });
});
