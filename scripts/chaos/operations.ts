import { print } from "graphql";
import {
  AssessPaymentDocument,
  HomeFeedDocument,
  RecordEventsDocument,
  SearchPageDocument,
} from "../../operations/__generated__/graphql.ts";
import type { FieldSpec } from "./checks.ts";
import type { Dependency, RedisRole } from "./stack.ts";

/**
 * A category page as a storefront sends it: catalog fields, the offered price (pricing), stock and a delivery
 * estimate (logistics) and two similar products (recommendation). No operation in operations/ asks for all of
 * them at once; 12 products keep it well inside the default MAX_COST.
 */
export const CHAOS_LISTING = `query ChaosListing(
  $categoryId: ID!
  $first: Int!
  $destination: DestinationInput!
  $context: PriceContext!
) {
  productsByCategory(categoryId: $categoryId, first: $first) {
    totalCount
    edges {
      node {
        id
        title
        price(context: $context) {
          offeredPrice {
            formatted
          }
          reasonCode
          degraded
        }
        availability(destination: $destination) {
          inStock
          quantityBand
        }
        deliveryEstimate(destination: $destination) {
          reason
          degraded
          options {
            service
            promisedDate
          }
        }
        similar(first: 2) {
          score
          product {
            id
            title
          }
        }
      }
    }
  }
}`;

/** A user's lifetime event counts, read with a service token (the applied side of the event count). */
export const CHAOS_LIFETIME_COUNTS = `query ChaosLifetimeCounts($id: ID!) {
  user(id: $id) {
    id
    lifetimeCounts {
      views
    }
  }
}`;

export const CATEGORY_IDS = [
  "c-headphones",
  "c-laptops",
  "c-smartwatches",
  "c-bluetooth-speakers",
  "c-wireless-earbuds",
] as const;
export const SEARCH_TERMS = ["wireless headphones", "running shoes", "coffee maker", "desk lamp", "laptop"];
/** Product ids of the demo world are p-1 … p-10000. */
export const PRODUCT_COUNT = 10_000;

export type OperationName = "listing" | "search" | "homeFeed" | "recordEvents" | "assessPayment";

export interface ChaosOperation {
  readonly name: OperationName;
  readonly query: string;
  /** Who calls it: the loop's shopper or the checkout service. */
  readonly caller: "shopper" | "checkout";
  readonly specs: readonly FieldSpec[];
}

/** The mixed load, one entry per operation, with the fields each answer is judged on. */
export function chaosOperations(eventStream: RedisRole): readonly ChaosOperation[] {
  const node = "productsByCategory.edges[].node";
  const deps = (...names: Dependency[]) => names;
  return [
    {
      name: "listing",
      query: CHAOS_LISTING,
      caller: "shopper",
      specs: [
        { path: "productsByCategory", deps: deps("catalog") },
        { path: "productsByCategory.totalCount", deps: [] },
        { path: `${node}.id`, deps: [] },
        { path: `${node}.title`, deps: [] },
        { path: `${node}.price`, deps: deps("pricing") },
        { path: `${node}.availability`, deps: deps("logistics") },
        { path: `${node}.deliveryEstimate`, deps: deps("logistics") },
        { path: `${node}.similar`, deps: deps("recommendation") },
      ],
    },
    {
      name: "search",
      query: print(SearchPageDocument),
      caller: "shopper",
      specs: [
        { path: "search", deps: deps("search") },
        { path: "search.totalCount", deps: [] },
        { path: "search.edges[].node.product.id", deps: [] },
        { path: "search.edges[].node.product.title", deps: [] },
      ],
    },
    {
      name: "homeFeed",
      query: print(HomeFeedDocument),
      caller: "shopper",
      specs: [
        { path: "me", deps: deps("user-profile") },
        { path: "me.id", deps: [] },
        { path: "me.displayName", deps: [] },
        { path: "me.recommendations", deps: deps("recommendation") },
        { path: "me.recommendations[].product.title", deps: [] },
      ],
    },
    {
      name: "recordEvents",
      query: print(RecordEventsDocument),
      caller: "shopper",
      specs: [
        { path: "recordEvents", deps: deps("user-profile", eventStream) },
        { path: "recordEvents.accepted", deps: [] },
      ],
    },
    {
      name: "assessPayment",
      query: print(AssessPaymentDocument),
      caller: "checkout",
      // Assessments are spooled locally while payment-risk's Redis is down: only payment-risk itself may fail.
      specs: [
        { path: "assessPayment", deps: deps("payment-risk") },
        { path: "assessPayment.id", deps: [] },
      ],
    },
  ];
}

/** Variables of one assessment: a unique order id made of letters and short digit runs (no Luhn look-alike). */
export function assessmentInput(
  orderId: string,
  userId: string,
  amountMinor: number,
): Record<string, unknown> {
  return {
    input: {
      orderId,
      userId,
      amountMinor,
      currency: "USD",
      paymentMethodFingerprint: `pm_chaos_${userId}`,
      deviceId: `dev-chaos-${userId}`,
      ip: "203.0.113.7",
      ipCountry: "US",
      emailDomain: "example.com",
      billingAddress: { country: "US" },
      shippingAddress: { country: "US" },
      items: [{ productId: "p-1", quantity: 1, unitPriceMinor: amountMinor }],
    },
  };
}
