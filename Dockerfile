# One image for every Aisle server (the gateway and each subgraph). The compose file picks the entry point
# per service with `command:`; without one the image runs the gateway. See docs/docker.md.
#
# Stages:
#   deps       full `npm ci` (dev dependencies included) from the manifests only, so it stays cached until a
#              package.json or the lockfile changes
#   prod-deps  the same tree after `npm prune --omit=dev`
#   runtime    production node_modules + tsx + the sources; runs as the unprivileged `node` user
#
# Why tsx is in the runtime image: the servers run their TypeScript sources directly (the packages' exports
# point at src/*.ts under the `aisle-source` condition; there is no build step), so tsx is needed at run
# time, but it is a root devDependency and every npm route to "production deps plus tsx" drops it again
# (`npm install --no-save tsx` keeps it a dev dependency and `--omit=dev` then skips it). The simplest correct
# way is therefore to copy it from the full install: tsx's only dependency is esbuild, whose native binary
# lives in @esbuild/<platform>. Both come from the lockfile at its exact versions, built on the same
# platform as the runtime stage. The import check in the runtime stage fails the build if this ever stops
# being enough (for instance when tsx gains a dependency).

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app
# onnxruntime-node's postinstall would download CUDA libraries; the CPU binary is bundled. npm 11 skips it
# (package.json "allowScripts" denies it), but this image's npm 10 runs install scripts: skip it here.
ENV ONNXRUNTIME_NODE_INSTALL=skip \
    npm_config_fund=false \
    npm_config_audit=false \
    npm_config_update_notifier=false

FROM base AS deps
# .npmrc before `npm ci`, so project npm settings (none today) apply to the install.
COPY package.json package-lock.json .npmrc ./
# One line per workspace listed in package.json: npm ci needs every workspace's manifest.
# (scripts/dockerfile.test.ts fails when one is missing.)
COPY gateway/package.json gateway/
COPY subgraphs/kit/package.json subgraphs/kit/
COPY subgraphs/world/package.json subgraphs/world/
COPY subgraphs/ml/package.json subgraphs/ml/
COPY subgraphs/behaviour/package.json subgraphs/behaviour/
COPY subgraphs/catalog/package.json subgraphs/catalog/
COPY subgraphs/user-profile/package.json subgraphs/user-profile/
COPY subgraphs/recommendation/package.json subgraphs/recommendation/
COPY subgraphs/search/package.json subgraphs/search/
COPY subgraphs/logistics/package.json subgraphs/logistics/
COPY subgraphs/payment-risk/package.json subgraphs/payment-risk/
COPY subgraphs/pricing/package.json subgraphs/pricing/
COPY storefront/package.json storefront/
RUN npm ci --loglevel=error

FROM deps AS prod-deps
RUN npm prune --omit=dev --loglevel=error

FROM base AS runtime
# NODE_OPTIONS: V8's young generation at 16 MB semi-spaces in every server. V8 sizes it from the memory it
# sees, and in a container that is the memory limit: 1 MB semi-spaces under 512 MiB (the gateway's limit),
# 3-6 MB under 768 MiB-1.5 GiB. At 1 MB the gateway spent 1.4-1.7x the CPU per request of 16 MB
# (docs/adr/0021). Keep the flag when overriding NODE_OPTIONS.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    NODE_OPTIONS=--max-semi-space-size=16
# The whole /app of prod-deps: root node_modules (with the @aisle/* workspace symlinks) and any nested
# node_modules a workspace may get.
COPY --from=prod-deps /app ./
COPY --from=deps /app/node_modules/tsx ./node_modules/tsx
COPY --from=deps /app/node_modules/esbuild ./node_modules/esbuild
COPY --from=deps /app/node_modules/@esbuild ./node_modules/@esbuild
# Sources, tsconfig.json (tsx reads experimentalDecorators from it), schema/ (supergraph.graphql) and
# models/; .dockerignore keeps node_modules, dist, .git and local data out.
COPY . .
# Fail the build, not the container: the gateway cannot start without the composed supergraph, and every
# workspace must import with production dependencies only (catches a runtime import of a dev dependency).
RUN test -s schema/supergraph.graphql \
      || { echo "schema/supergraph.graphql is missing: run npm run compose and commit it" >&2; exit 1; } \
    && node --conditions=aisle-source --import tsx -e "const { workspaces } = require('./package.json'); Promise.all(workspaces.map((w) => import(require('./' + w + '/package.json').name))).then(() => console.log('imports resolve: ' + workspaces.join(', ')), (e) => { console.error(e); process.exit(1); })" \
    && rm -rf /tmp/tsx-*
USER node
EXPOSE 4000
# Liveness on the port the server listens on (PORT; 4000 unless overridden). No curl in slim images: node's fetch.
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/healthz', { signal: AbortSignal.timeout(2000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--conditions=aisle-source", "--import", "tsx", "gateway/src/main.ts"]
