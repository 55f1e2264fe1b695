# syntax=docker/dockerfile:1
# One image, three programs: the operator runs it and deploys each tenant's pod (proxy + server)
# with the same image and tag, so the three can never run at different versions.

# Node's current LTS (24), the major of NODE_LTS_VERSION in peers/versions.env that CI runs the suite on.
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY contract contract
COPY config config
COPY server server
COPY proxy proxy
COPY operator operator
RUN npm run build && npm prune --omit=dev --no-audit --no-fund --ignore-scripts

# Distroless: Node and its libraries, no shell, no package manager; "nonroot" is uid 65532.
FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
# Pods name `node` in their command (and the server's liveness probe), so it is on PATH.
ENV NODE_ENV=production PATH=/nodejs/bin:/usr/bin:/bin
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# Nothing is written at run time except to /tmp (an emptyDir in the pods): the root fs can be read-only.
USER 65532:65532
ENTRYPOINT ["/nodejs/bin/node"]
CMD ["dist/operator/main.js"]
