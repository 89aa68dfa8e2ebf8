import { z } from "zod";
import { databaseEnvShape } from "@aisle/kit";

/** Where accounts are kept (ADR 0012). */
export const accountEnvShape = {
  ...databaseEnvShape,
  /** PGlite data directory when DATABASE_URL is unset. Default: none, an in-memory PGlite seeded at each start. */
  USER_PROFILE_DATA_DIR: z.string().min(1).optional(),
};
