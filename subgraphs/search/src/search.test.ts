import { createLogger } from "@aisle/kit";
import { createSearchParts } from "./index.ts";
import { searchContract } from "./search.contract.ts";

// The embedded engine: no server needed, the whole demo catalogue indexed in process.
searchContract("embedded", () =>
  createSearchParts({ SEARCH_BACKEND: "embedded" }, createLogger("search-test", "silent")),
);
