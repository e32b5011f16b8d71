# syntax=docker/dockerfile:1.7
# One image for every ServerGem service; docker-compose.yml picks the service with the command.
FROM node:22-slim AS build
WORKDIR /servergem
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
# No dev tools and no embedded PostgreSQL (an optional dependency): the services use DATABASE_URL.
RUN npm run build && npm prune --omit=dev --omit=optional

FROM node:22-slim
# What the `local` target needs to build and run apps inside the builder and deployer containers:
# git for sources, Node with npm, and Python 3 with venv and pip. Apps that need another toolchain
# fail with TOOLCHAIN_MISSING here; deploy those to Cloud Run.
RUN apt-get update \
  && apt-get install -y --no-install-recommends git ca-certificates python3 python3-venv python3-pip \
  && rm -rf /var/lib/apt/lists/* \
  # The same app user, with the same uid, in the builder and the deployer, which share the releases.
  && useradd --system --user-group --uid 10001 --no-create-home --shell /usr/sbin/nologin servergem-app
ENV NODE_ENV=production SERVERGEM_HOME=/var/lib/servergem SERVERGEM_SHARED_DIR=/var/lib/servergem-shared
WORKDIR /servergem
COPY --from=build /servergem/package.json ./
COPY --from=build /servergem/node_modules ./node_modules
COPY --from=build /servergem/dist ./dist
COPY --from=build /servergem/apps/web/dist ./apps/web/dist
RUN mkdir -p /var/lib/servergem /var/lib/servergem-shared && chown node:node /var/lib/servergem
# The gateway, orchestrator and analyzer run as `node`; the builder and deployer as root (see
# docker-compose.yml), so apps and their builds run as servergem-app, away from ServerGem's files.
USER node
CMD ["node", "dist/apps/gateway/src/main.js"]
