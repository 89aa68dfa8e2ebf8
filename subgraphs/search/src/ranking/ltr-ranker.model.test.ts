import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildManifest, DEFAULT_MODELS_DIR, ModelLoadError, readModelSpec, type ModelSpec } from "@aisle/ml";
import { NO_FILTERS } from "../backends/backend.ts";
import type { SearchDocument } from "../retrieval/documents.ts";
import { EmbeddedBackend } from "../backends/embedded-backend.ts";
import { buildSearchEngine, type SearchEngine } from "../retrieval/engine.ts";
import { LtrRanker, RANKER_MODEL } from "./ltr-ranker.model.ts";
import { QueryUnderstanding } from "../understanding/query-understanding.ts";
import { LTR_FEATURES, ltrFeatureRows } from "./ranking-features.ts";
import { Synonyms } from "../understanding/synonyms.ts";
import { TextEncoder } from "../understanding/text-encoder.model.ts";

/** A registry folder holding only the committed ranker, with its spec changed by `edit`. */
async function registryWith(edit: (spec: ModelSpec) => ModelSpec): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "aisle-ranker-test-"));
  const spec = await readModelSpec(join(DEFAULT_MODELS_DIR, RANKER_MODEL, "model.json"));
  await mkdir(join(dir, RANKER_MODEL));
  await copyFile(join(DEFAULT_MODELS_DIR, RANKER_MODEL, spec.file), join(dir, RANKER_MODEL, spec.file));
  await writeFile(join(dir, "manifest.json"), JSON.stringify(buildManifest([edit(spec)])));
  return dir;
}

const titles = [
  "SanDisk 16 GB memory card",
  "Kingston 32 GB memory card",
  "Memory foam pillow",
  "Card reader for SD memory",
  "16 GB USB flash drive",
  "Playing card deck",
];
const docs: SearchDocument[] = titles.map((title, i) => ({
  id: `p${i}`,
  title,
  description: "",
  categoryId: "",
  categoryName: "",
  categoryPath: [],
  brandId: "",
  brandName: "",
  attributes: [],
  priceMinor: 0,
  popularity: 0,
  createdAt: "",
}));

describe("learned ranker served from the model registry", () => {
  const cleanup: string[] = [];
  let encoder: TextEncoder;
  beforeAll(async () => {
    encoder = await TextEncoder.load();
  });
  afterAll(async () => {
    await encoder.close();
    for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
  });

  async function engineWith(ranker: LtrRanker | null, semanticWeight = 1): Promise<SearchEngine> {
    return buildSearchEngine({
      backend: new EmbeddedBackend(),
      encoder,
      docs,
      categories: [],
      synonyms: new Synonyms([], []),
      reranker: null,
      ranker,
      retriever: { depth: 100, semanticWeight },
    });
  }

  const understand = (text: string) =>
    new QueryUnderstanding(docs, [], new Synonyms([], [])).understand(text);

  async function search(engine: SearchEngine, text: string) {
    const understanding = understand(text);
    const [queryVector] = await encoder.embedAll([understanding.text], "query");
    return engine.retriever.retrieve({
      understanding,
      queryVector: queryVector as Float32Array,
      filters: NO_FILTERS,
      mode: "hybrid-rerank",
      size: 10,
      facets: false,
    });
  }

  it("is listed in the committed manifest, with its features and gate, and gives xgboost's scores (parity.json)", async () => {
    const manifest = JSON.parse(await readFile(join(DEFAULT_MODELS_DIR, "manifest.json"), "utf8")) as {
      models: ModelSpec[];
    };
    const spec = manifest.models.find((m) => m.name === RANKER_MODEL);
    expect(spec?.inputs[0]?.features).toEqual([...LTR_FEATURES]);
    const ranker = await LtrRanker.load();
    expect(ranker).not.toBeNull();
    const parity = JSON.parse(
      await readFile(join(DEFAULT_MODELS_DIR, RANKER_MODEL, "parity.json"), "utf8"),
    ) as { inputs: { features: { data: number[] } }; outputs: { score: { data: number[] } } };
    const scores = await (ranker as LtrRanker).scoreRows(Float32Array.from(parity.inputs.features.data));
    expect(scores.length).toBe(parity.outputs.score.data.length);
    scores.forEach((s, i) => expect(s).toBeCloseTo(parity.outputs.score.data[i] as number, 4));
    await ranker?.close();
  });

  it("is null when the registry holds no ranker, and refuses a model whose features differ from the serving code's", async () => {
    const empty = await mkdtemp(join(tmpdir(), "aisle-ranker-test-"));
    cleanup.push(empty);
    await writeFile(join(empty, "manifest.json"), JSON.stringify(buildManifest([])));
    expect(await LtrRanker.load(empty)).toBeNull();
    const renamed = await registryWith((spec) => ({
      ...spec,
      inputs: [{ ...(spec.inputs[0] as ModelSpec["inputs"][number]), features: [...LTR_FEATURES].reverse() }],
    }));
    cleanup.push(renamed);
    await expect(LtrRanker.load(renamed)).rejects.toThrow(ModelLoadError);
    const noGate = await registryWith((spec) => ({ ...spec, settings: { semanticWeight: 0 } }));
    cleanup.push(noGate);
    await expect(LtrRanker.load(noGate)).rejects.toThrow(/enabled/);
  });

  it("orders the candidates by the model's scores in the served path; a gated-off model serves the fused order", async () => {
    const onDir = await registryWith((spec) => ({ ...spec, settings: { semanticWeight: 0, enabled: true } }));
    const offDir = await registryWith((spec) => ({
      ...spec,
      settings: { semanticWeight: 0, enabled: false },
    }));
    cleanup.push(onDir, offDir);
    const on = (await LtrRanker.load(onDir)) as LtrRanker;
    const off = (await LtrRanker.load(offDir)) as LtrRanker;
    const engine = await engineWith(on);
    const served = await search(engine, "16 gb memory card");
    // Every candidate, including the any-word matches the strict query missed, ordered by the model's score.
    expect(served.looseIds.length).toBeGreaterThan(0);
    const scores = served.ranked.map((c) => c.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const u = understand("16 gb memory card");
    const stats = engine.retriever.ranker?.stats;
    if (stats === undefined) throw new Error("the engine holds no ranker");
    const expected = await on.scoreRows(
      ltrFeatureRows(served.ranked, { text: u.text, intentCategoryId: null, extracted: u.extracted }, stats),
    );
    served.ranked.forEach((c, i) => expect(c.score).toBeCloseTo(expected[i] as number, 4));

    const gated = await search(await engineWith(off), "16 gb memory card");
    const fused = await search(await engineWith(null, 0), "16 gb memory card");
    expect(gated.looseIds).toEqual([]);
    expect(gated.ranked.map((c) => c.doc.id)).toEqual(fused.ranked.map((c) => c.doc.id));
    await Promise.all([on.close(), off.close()]);
  });
});
