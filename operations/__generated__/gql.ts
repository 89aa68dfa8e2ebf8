/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query ProductPage($id: ID!) {\n  product(id: $id) {\n    id\n    title\n    description\n    imageUrls\n    listPrice {\n      amount\n      currency\n      formatted\n    }\n    attributes {\n      name\n      value\n    }\n    brand {\n      id\n      name\n    }\n    category {\n      id\n      name\n      ancestry {\n        id\n        name\n      }\n    }\n  }\n}\n\nquery ProductsByIds($ids: [ID!]!) {\n  products(ids: $ids) {\n    id\n    title\n    brand {\n      name\n    }\n  }\n}\n\nquery CategoryListing($categoryId: ID!, $first: Int = 24, $after: String) {\n  productsByCategory(categoryId: $categoryId, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        title\n        imageUrls\n        listPrice {\n          formatted\n        }\n        brand {\n          name\n        }\n      }\n    }\n  }\n}\n\nquery CategoryTree {\n  categories {\n    id\n    name\n    productCount\n    children {\n      id\n      name\n      slug\n      isLeaf\n      productCount\n    }\n  }\n}": typeof types.ProductPageDocument,
};
const documents: Documents = {
    "query ProductPage($id: ID!) {\n  product(id: $id) {\n    id\n    title\n    description\n    imageUrls\n    listPrice {\n      amount\n      currency\n      formatted\n    }\n    attributes {\n      name\n      value\n    }\n    brand {\n      id\n      name\n    }\n    category {\n      id\n      name\n      ancestry {\n        id\n        name\n      }\n    }\n  }\n}\n\nquery ProductsByIds($ids: [ID!]!) {\n  products(ids: $ids) {\n    id\n    title\n    brand {\n      name\n    }\n  }\n}\n\nquery CategoryListing($categoryId: ID!, $first: Int = 24, $after: String) {\n  productsByCategory(categoryId: $categoryId, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        title\n        imageUrls\n        listPrice {\n          formatted\n        }\n        brand {\n          name\n        }\n      }\n    }\n  }\n}\n\nquery CategoryTree {\n  categories {\n    id\n    name\n    productCount\n    children {\n      id\n      name\n      slug\n      isLeaf\n      productCount\n    }\n  }\n}": types.ProductPageDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ProductPage($id: ID!) {\n  product(id: $id) {\n    id\n    title\n    description\n    imageUrls\n    listPrice {\n      amount\n      currency\n      formatted\n    }\n    attributes {\n      name\n      value\n    }\n    brand {\n      id\n      name\n    }\n    category {\n      id\n      name\n      ancestry {\n        id\n        name\n      }\n    }\n  }\n}\n\nquery ProductsByIds($ids: [ID!]!) {\n  products(ids: $ids) {\n    id\n    title\n    brand {\n      name\n    }\n  }\n}\n\nquery CategoryListing($categoryId: ID!, $first: Int = 24, $after: String) {\n  productsByCategory(categoryId: $categoryId, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        title\n        imageUrls\n        listPrice {\n          formatted\n        }\n        brand {\n          name\n        }\n      }\n    }\n  }\n}\n\nquery CategoryTree {\n  categories {\n    id\n    name\n    productCount\n    children {\n      id\n      name\n      slug\n      isLeaf\n      productCount\n    }\n  }\n}"): (typeof documents)["query ProductPage($id: ID!) {\n  product(id: $id) {\n    id\n    title\n    description\n    imageUrls\n    listPrice {\n      amount\n      currency\n      formatted\n    }\n    attributes {\n      name\n      value\n    }\n    brand {\n      id\n      name\n    }\n    category {\n      id\n      name\n      ancestry {\n        id\n        name\n      }\n    }\n  }\n}\n\nquery ProductsByIds($ids: [ID!]!) {\n  products(ids: $ids) {\n    id\n    title\n    brand {\n      name\n    }\n  }\n}\n\nquery CategoryListing($categoryId: ID!, $first: Int = 24, $after: String) {\n  productsByCategory(categoryId: $categoryId, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        title\n        imageUrls\n        listPrice {\n          formatted\n        }\n        brand {\n          name\n        }\n      }\n    }\n  }\n}\n\nquery CategoryTree {\n  categories {\n    id\n    name\n    productCount\n    children {\n      id\n      name\n      slug\n      isLeaf\n      productCount\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;