import type { ApolloServerPlugin } from "@apollo/server";
import type { GraphQLFormattedError } from "graphql";
import { ErrorCode } from "@aisle/kit";

/** What a client reads: no subgraph detail, the path says which part is missing. */
export const VALUE_COMPLETION_MESSAGE =
  "Part of the answer could not be completed: a subgraph returned no value for a non-null field, so its nearest nullable parent is null";

interface CompletionError {
  readonly message?: unknown;
  readonly path?: unknown;
}

/**
 * @apollo/gateway reports a null it found in a non-null position (say a `Recommendation.product` the catalog
 * resolved to null) under `extensions.valueCompletion` and, when the subgraphs sent no errors, leaves `errors`
 * out: the client gets `data.product: null` with no error at all. This moves each such report into `errors`,
 * with its path and a code, so a null the schema does not allow always comes with an error.
 */
export const valueCompletionErrors: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async willSendResponse({ response, logger, request }) {
        if (response.body.kind !== "single") return;
        const result = response.body.singleResult;
        const completion = result.extensions?.["valueCompletion"];
        if (completion === undefined) return;
        const { valueCompletion: _reported, ...rest } = result.extensions ?? {};
        if (Object.keys(rest).length > 0) result.extensions = rest;
        else delete result.extensions;
        const reports: CompletionError[] = Array.isArray(completion) ? completion : [{}];
        const errors: GraphQLFormattedError[] = reports.map((report) => ({
          message: VALUE_COMPLETION_MESSAGE,
          ...(Array.isArray(report.path) ? { path: report.path as (string | number)[] } : {}),
          extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
        }));
        logger.warn(
          `value completion failed in ${request.operationName ?? "an anonymous operation"}: ${reports
            .map((r) => `${String(r.message)} at ${Array.isArray(r.path) ? r.path.join(".") : "?"}`)
            .join("; ")}`,
        );
        result.errors = [...(result.errors ?? []), ...errors];
      },
    };
  },
};
