# The API image: compiled once at build time (no TypeScript at run time), production dependencies only,
# run as the unprivileged `node` user. `docker compose --profile scale-out up` runs two of them (README).

# ---- build: all dependencies, compile src/ to dist/, then drop the dev dependencies ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 and bcrypt fall back to a native build when no prebuilt binary matches.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY tools/buildDist.mjs tools/
COPY src src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# ---- run: the same base image, so the native addons built above load ----
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=5000 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
# DATA_DIR holds local uploads (and the SQLite file on the embedded profile); the only writable place.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 5000
# Ready = the stores answer and the projections are caught up (GET /readyz); Node 20 has fetch built in.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1 and handles SIGTERM itself: in-flight requests finish, then it exits 0 (docker stop).
CMD ["node", "dist/interfaces/cli/start.js"]
