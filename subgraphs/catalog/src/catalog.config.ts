import { z } from "zod";
import { databaseEnvShape } from "@aisle/kit";

/** Settings of the catalog subgraph: its database, or an embedded one, and an optional import file. */
export const catalogEnvShape = {
  ...databaseEnvShape,
  /** PGlite data directory when DATABASE_URL is unset. Default: none, an in-memory PGlite seeded at each start. */
  CATALOG_DATA_DIR: z.string().min(1).optional(),
  /** Optional NDJSON or CSV file of external products (see src/import/FORMAT.md), served on top of the demo world. */
  CATALOG_IMPORT_FILE: z.string().min(1).optional(),
};
