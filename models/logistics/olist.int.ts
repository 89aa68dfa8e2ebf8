import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliveryEncoder } from "../../subgraphs/logistics/src/delivery.features.ts";
import { olistFeatureList, parseOlistTime, readOrderTable, stateDistanceKm } from "./olist.ts";

// Reads small Olist-format folders from disk (a file-reading test, hence the .int.ts tier).
const DAY_MS = 86_400_000;
let dir: string;

const classifiedHeader =
  ",id,order_status,order_products_value,order_freight_value,order_items_qty,order_sellers_qty,order_purchase_timestamp,order_aproved_at,order_estimated_delivery_date,order_delivered_customer_date,customer_city,customer_state,customer_zip_code_prefix,review_comment_message";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aisle-olist-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function folder(name: string, files: Record<string, string>): Promise<string> {
  const path = await mkdtemp(join(dir, `${name}-`));
  for (const [file, text] of Object.entries(files)) await writeFile(join(path, file), text);
  return path;
}

describe("Olist mapping", () => {
  it("reads both timestamp formats as UTC wall-clock time", () => {
    expect(parseOlistTime("2017-08-30 11:41:01.000000")).toBe(Date.UTC(2017, 7, 30, 11, 41, 1));
    expect(parseOlistTime("10/2/2017 10:56")).toBe(Date.UTC(2017, 9, 2, 10, 56));
    expect(parseOlistTime("")).toBeNaN();
  });

  it("maps the classified file: delivered rows only, CEP region from a 3-digit prefix, the estimate at its date", async () => {
    const path = await folder("classified", {
      "olist_classified_public_dataset.csv": [
        classifiedHeader,
        `0,1,delivered,89.99,14.38,1,1,2017-08-30 11:41:01.000000,,2017-09-21 00:00:00.000000,2017-09-08 20:35:27.276847,Belo Horizonte,MG,308,"tudo certo, chegou"`,
        `1,2,delivered,10.0,7.5,2,1,2017-09-26 09:00:00.000000,,2017-10-24 00:00:00.000000,2017-09-29 21:00:00.000000,Sao Paulo,SP,10,"multi\nline"`,
        `2,3,canceled,10.0,7.5,1,1,2017-09-27 09:00:00.000000,,2017-10-24 00:00:00.000000,,Sao Paulo,SP,10,`,
      ].join("\n"),
    });
    const table = await readOrderTable(path);
    expect(table.rows).toBe(3);
    expect(table.orders.map((o) => o.id)).toEqual(["1", "2"]);
    const [bh, sp] = table.orders;
    expect(bh?.row.destRegion).toBe(3);
    expect(sp?.row.destRegion).toBe(0); // "10" is CEP 010xx: São Paulo city, region 0
    expect(bh?.row.destArea).toBe("MG");
    expect(bh?.row.shippingCost).toBe(14.38);
    expect(sp?.row.quantity).toBe(2);
    // The estimate is midnight starting 2017-09-21, not the end of that day.
    expect(bh?.row.promisedDays).toBeCloseTo(
      (Date.UTC(2017, 8, 21) - Date.UTC(2017, 7, 30, 11, 41, 1)) / DAY_MS,
      9,
    );
    expect(bh?.row.distanceKm).toBeNaN();
    expect(bh?.row.carrierId).toBe("");
  });

  it("joins the bare orders table's side tables when rows match", async () => {
    const path = await folder("orders", {
      "olist_orders_dataset.csv": [
        "order_id,customer_id,order_status,order_purchase_timestamp,order_approved_at,order_delivered_carrier_date,order_delivered_customer_date,order_estimated_delivery_date",
        "o1,c1,delivered,10/2/2017 10:56,10/2/2017 11:07,10/4/2017 19:55,10/10/2017 21:25,10/18/2017 0:00",
        "o2,c9,delivered,10/3/2017 10:56,,,10/12/2017 21:25,10/20/2017 0:00",
      ].join("\n"),
      "olistcustomerdataset.csv":
        "customer_id,customer_unique_id,customer_zip_code_prefix,customer_city,customer_state\nc1,u1,9790,sao bernardo do campo,SP\n",
      "olist_order_items_dataset.csv":
        "order_id,order_item_id,product_id,seller_id,shipping_limit_date,price,freight_value\no1,1,p1,s1,,58.9,13.29\no1,2,p2,s1,,10,2.5\n",
      "olist_sellers_dataset.csv":
        "seller_id,seller_zip_code_prefix,seller_city,seller_state\ns1,13023,campinas,RJ\n",
      "olist_products_dataset.csv":
        "product_id,product_category_name,product_name_lenght,product_description_lenght,product_photos_qty,product_weight_g,product_length_cm,product_height_cm,product_width_cm\np1,x,1,1,1,225,1,1,1\np2,x,1,1,1,1000,1,1,1\n",
    });
    const [joined, bare] = (await readOrderTable(path)).orders;
    expect(joined?.row.destRegion).toBe(0); // 09790 → region 0
    expect(joined?.row.destArea).toBe("SP");
    expect(joined?.row.warehouseId).toBe("RJ");
    expect(joined?.row.distanceKm).toBeCloseTo(stateDistanceKm("RJ", "SP"), 9);
    expect(joined?.row.distanceKm).toBeGreaterThan(300);
    expect(joined?.row.weightKg).toBeCloseTo(1.225, 9);
    expect(joined?.row.shippingCost).toBeCloseTo(15.79, 9);
    expect(joined?.row.quantity).toBe(2);
    expect(bare?.row.destRegion).toBe(-1);
    expect(bare?.row.weightKg).toBeNaN();
    expect(bare?.row.shippingCost).toBeNaN();
    expect(bare?.row.quantity).toBe(1);
  });

  it("lists the features the training orders know, and the subgraph's encoder computes every one", async () => {
    const rows = Array.from({ length: 12 }, (_, i) => {
      const state = i < 10 ? "SP" : "RO";
      return `${i},${i},delivered,10,${i % 2 === 0 ? "5.5" : ""},1,1,2017-09-${10 + i} 09:00:00,,2017-10-24 00:00:00,2017-09-29 21:00:00,X,${state},${i < 11 ? "10" : ""},`;
    });
    const table = await readOrderTable(
      await folder("list", { "olist_classified_public_dataset.csv": [classifiedHeader, ...rows].join("\n") }),
    );
    const names = olistFeatureList(table.orders);
    expect(names).toContain("log_promised_days");
    expect(names).toContain("dest_area_SP");
    expect(names).not.toContain("dest_area_RO"); // fewer than 10 training orders
    expect(names).toContain("dest_unknown");
    expect(names).toContain("shipping_cost_missing");
    expect(names.some((n) => n.startsWith("origin_") || n.includes("weight") || n.includes("distance"))).toBe(
      false,
    );
    const encode = deliveryEncoder(names);
    const encoded = table.orders.map((o) => encode(o.row));
    expect(encoded.every((r) => r.length === names.length && r.every(Number.isFinite))).toBe(true);
  });
});
