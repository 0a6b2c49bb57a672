# specwarden GitHub App. Build:  docker build -t specwarden .
# Run:    docker run -p 3000:3000 -e APP_ID=… -e PRIVATE_KEY="$(cat key.pem)" -e WEBHOOK_SECRET=… specwarden
# Scale-out with shared rate-limit state: build with --build-arg EXTRA_PACKAGES=ioredis and set REDIS_URL.
# Upstream (dist-git) trees for full re-renders are cloned with git into SPECWARDEN_DIST_GIT_CACHE;
# mount a volume there to keep the cache across restarts, or unset it to review without upstream.

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:20-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /var/cache/specwarden/dist-git \
    && chown node:node /var/cache/specwarden/dist-git
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    LOG_FORMAT=json \
    SPECWARDEN_DIST_GIT_CACHE=/var/cache/specwarden/dist-git
WORKDIR /app
COPY package.json package-lock.json ./
ARG EXTRA_PACKAGES=""
RUN npm ci --omit=dev \
    && if [ -n "$EXTRA_PACKAGES" ]; then npm install --omit=dev --no-save $EXTRA_PACKAGES; fi \
    && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY app.yml ./
USER node
VOLUME /var/cache/specwarden/dist-git
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/ping').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/cli/main.js", "serve"]
