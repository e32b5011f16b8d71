# syntax=docker/dockerfile:1.7
# One image for every ServerGem service; docker-compose.yml picks the service with the command.
FROM node:22-slim AS build
WORKDIR /servergem
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build && npm prune --omit=dev

FROM node:22-slim
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production SERVERGEM_HOME=/var/lib/servergem
WORKDIR /servergem
COPY --from=build /servergem/package.json ./
COPY --from=build /servergem/node_modules ./node_modules
COPY --from=build /servergem/dist ./dist
COPY --from=build /servergem/apps/web/dist ./apps/web/dist
RUN mkdir -p /var/lib/servergem && chown node:node /var/lib/servergem
USER node
CMD ["node", "dist/apps/gateway/src/main.js"]
