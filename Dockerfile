# Castellan with its embedded FerretDB built in. Build: docker build -t castellan .
# Runs on the embedded database in the DATA_DIR volume, or on MONGODB_URI (compose.yaml: a MongoDB replica set).

# Production dependencies, Node 24 from the `node` package among them (what npm start and the workers run).
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# Castellan's patched FerretDB (tools/ferretdb/build.ts), built with Go from the module proxy, run by the Node above.
FROM golang:1.24-bookworm AS ferretdb
WORKDIR /app
ENV XDG_CACHE_HOME=/build/cache
COPY --from=deps /app/node_modules node_modules
COPY package.json ./
COPY config config
COPY src/platform/config.ts src/platform/config.ts
COPY tools tools
RUN mkdir -p /out && cp "$(node_modules/.bin/node tools/ferretdb/build.ts | tail -n 1)" /out/ferretdb

FROM node:24-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY --from=ferretdb /out/ferretdb /usr/local/bin/ferretdb
COPY package.json package-lock.json ./
COPY config config
COPY src src
COPY tools tools
COPY views views
COPY scripts scripts
ENV PORT=8080 DATA_DIR=/data FERRETDB_BIN=/usr/local/bin/ferretdb
RUN mkdir /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# tini forwards SIGTERM (graceful shutdown) and reaps the embedded FerretDB's processes; the flags are npm start's.
ENTRYPOINT ["tini", "--"]
CMD ["node_modules/.bin/node", "--max-old-space-size=1024", "--max-semi-space-size=4", "--heap-growing-percent=30", "src/main.ts"]
