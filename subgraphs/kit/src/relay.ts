import { Field, Int, ObjectType, type ClassType } from "type-graphql";
import { badUserInput } from "./errors.ts";
import { PartnerContract } from "./federation.ts";

/** Largest page any connection serves; larger `first` values are refused, not clamped silently. */
export const MAX_PAGE_SIZE = 100;

@PartnerContract()
@ObjectType({ description: "Where a page sits in a connection (Relay cursor connections)." })
export class PageInfo {
  @Field(() => Boolean, { description: "True when more items follow this page." })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: "True when items precede this page." })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: "Cursor of the first item of the page." })
  startCursor!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "Cursor of the last item; pass it as `after` for the next page.",
  })
  endCursor!: string | null;
}

export interface Edge<T> {
  node: T;
  cursor: string;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  totalCount: number;
}

/**
 * Builds the `XConnection` and `XEdge` object types for a node type; `partner: true` puts both in the partner
 * contract (tag the node type's fields as well).
 */
export function connectionTypes<T extends object>(
  nodeType: ClassType<T>,
  nodeName: string,
  options: { readonly partner?: boolean } = {},
) {
  @ObjectType(`${nodeName}Edge`, { description: `A ${nodeName} in a page, with its cursor.` })
  class EdgeType implements Edge<T> {
    @Field(() => nodeType, { description: `The ${nodeName}.` })
    node!: T;

    @Field(() => String, {
      description: "Opaque cursor of this item; pass it as `after` to continue after it.",
    })
    cursor!: string;
  }

  @ObjectType(`${nodeName}Connection`, { description: `A page of ${nodeName} items.` })
  class ConnectionType implements Connection<T> {
    @Field(() => [EdgeType], { description: "The items of this page, in order." })
    edges!: EdgeType[];

    @Field(() => PageInfo, { description: "Cursors and whether more pages exist." })
    pageInfo!: PageInfo;

    @Field(() => Int, { description: "Number of items in the whole list, across all pages." })
    totalCount!: number;
  }
  if (options.partner === true) {
    PartnerContract()(EdgeType);
    PartnerContract()(ConnectionType);
  }
  return { EdgeType, ConnectionType };
}

const CURSOR_PREFIX = "aisle:v1:";

/** Cursors are opaque to clients: base64url of a versioned position in a list scoped by `scope`. */
export function encodeCursor(scope: string, offset: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${scope}:${offset}`).toString("base64url");
}

export function decodeCursor(scope: string, cursor: string): number {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const expectedPrefix = `${CURSOR_PREFIX}${scope}:`;
  const offset = text.startsWith(expectedPrefix) ? Number(text.slice(expectedPrefix.length)) : Number.NaN;
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw badUserInput("`after` is not a cursor from this list", "after");
  }
  return offset;
}

export interface PageArgs {
  readonly first: number;
  readonly after?: string | null | undefined;
}

export function checkPageSize(first: number): void {
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badUserInput(`\`first\` must be between 0 and ${MAX_PAGE_SIZE}`, "first");
  }
}

/** One page of an ordered list whose items are addressed by position. `scope` ties cursors to this list. */
export function pageOf<T>(items: readonly T[], scope: string, args: PageArgs): Connection<T> {
  checkPageSize(args.first);
  const start = args.after == null ? 0 : decodeCursor(scope, args.after) + 1;
  const slice = items.slice(start, start + args.first);
  const edges = slice.map((node, i) => ({ node, cursor: encodeCursor(scope, start + i) }));
  return {
    edges,
    totalCount: items.length,
    pageInfo: {
      hasNextPage: start + slice.length < items.length,
      hasPreviousPage: start > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
