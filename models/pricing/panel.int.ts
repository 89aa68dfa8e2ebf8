import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dailySales, invoiceDay, readTransactions } from "../demand/transactions.ts";
import { listPrice, pricingPanel, regularUnitsPerDay } from "./panel.ts";

// Reads a small transactions folder from disk (a file-reading test, hence the .int.ts tier).
let dir: string;
const HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aisle-panel-"));
  await writeFile(
    join(dir, "t.csv"),
    [
      HEADER,
      `1,111A,"WHITE, MUG",10,12/1/10 8:26,2.00,1,UK`,
      `1,111A,WHITE MUG,10,12/1/10 9:00,1.00,1,UK`, // same day: price = revenue / units = 1.50
      `2,222,RED BAG,4,12/2/2010 10:00,3.00,1,UK`,
      `C3,111A,WHITE MUG,-5,12/2/10 11:00,2.00,1,UK`, // a cancellation
      `4,POST,POSTAGE,1,12/2/10 11:00,18.00,1,UK`, // not a product
      `5,222,RED BAG,0,12/3/10 10:00,3.00,1,UK`, // no units
      `6,111A,WHITE MUG,2,2010-12-06 10:00:00,1.00,1,UK`, // ISO date; 4 and 5 Dec have no trading
      `7,222,RED BAG,6,12/6/10 12:00,2.00,1,UK`,
    ].join("\n"),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("transactions as daily series", () => {
  it("reads the UCI, four-digit-year and ISO date forms as UTC dates", () => {
    expect(invoiceDay("12/1/10 8:26")).toBe(Date.UTC(2010, 11, 1));
    expect(invoiceDay("12/2/2010 10:00")).toBe(Date.UTC(2010, 11, 2));
    expect(invoiceDay("2010-12-06 10:00:00")).toBe(Date.UTC(2010, 11, 6));
    expect(invoiceDay("yesterday")).toBeNaN();
  });

  it("demand: calendar days with zeros, cancellations and non-products dropped", async () => {
    const sales = dailySales(await readTransactions(dir));
    expect(sales.startMs).toBe(Date.UTC(2010, 11, 1));
    expect(sales.days).toBe(6);
    expect([...sales.items.keys()]).toEqual(["111A", "222"]);
    expect(sales.items.get("111A")).toEqual([20, 0, 0, 0, 0, 2]);
    expect(sales.items.get("222")).toEqual([0, 4, 0, 0, 0, 6]);
  });

  it("pricing: trading days, prices carried forward, the median list price, regular-price means", async () => {
    const panel = pricingPanel(await readTransactions(dir));
    // 3 Dec traded nothing with units (a zero-quantity line is dropped), so the trading days are 1, 2 and 6 Dec.
    expect(panel.tradingDays).toEqual([Date.UTC(2010, 11, 1), Date.UTC(2010, 11, 2), Date.UTC(2010, 11, 6)]);
    const mug = panel.products.get("111A");
    const bag = panel.products.get("222");
    expect(mug?.units).toEqual([20, 0, 2]);
    expect(mug?.price).toEqual([150, 150, 100]); // pence, carried forward over 2 Dec
    expect(bag?.first).toBe(1);
    expect(bag?.price.slice(1)).toEqual([300, 200]);
    expect(mug?.category).toBe("OTHER"); // MUG has fewer than 5 products
    if (mug === undefined) return;
    expect(listPrice(mug, 3)).toBe(125); // median of the sale days' 150 and 100
    // After the three days at list 125: only the days at 150 (≥ 112.5) count, (20 + 0) / 2; the 100 day does not.
    expect(regularUnitsPerDay(mug, 3, 7, 125)).toBe(10);
    // At list 100 every day is regular; at 200 none is, so all of them count: (20 + 0 + 2) / 3 either way.
    expect(regularUnitsPerDay(mug, 3, 7, 100)).toBeCloseTo(22 / 3, 12);
    expect(regularUnitsPerDay(mug, 3, 7, 200)).toBeCloseTo(22 / 3, 12);
    // The window: the last day only.
    expect(regularUnitsPerDay(mug, 3, 1, 100)).toBe(2);
    expect(regularUnitsPerDay(mug, 0, 7, 125)).toBe(0);
  });
});
