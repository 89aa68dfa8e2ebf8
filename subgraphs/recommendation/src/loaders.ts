import { decodeActivity, type ActivityStore, type DecodedActivity } from "@aisle/behaviour";
import { defineLoader, type LoaderSpec } from "@aisle/kit";

/** The request-scoped loaders of the recommendation subgraph (built per request by the kit's registry). */
export interface RecommendationLoaders {
  /** Users' decoded activity features: every feed of one request in one feature-store read. */
  readonly activityByUserId: LoaderSpec<string, DecodedActivity>;
}

export function createRecommendationLoaders(activity: ActivityStore): RecommendationLoaders {
  return {
    activityByUserId: defineLoader("recommendation.activity", async (ids) => {
      const { values } = await activity.read(ids);
      return values.map(decodeActivity);
    }),
  };
}
