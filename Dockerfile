# specwarden GitHub App. Build:  docker build -t specwarden .
# Run:    docker run -p 3000:3000 -e APP_ID=… -e PRIVATE_KEY="$(cat key.pem)" -e WEBHOOK_SECRET=… specwarden
# Scale-out with shared rate-limit state: build with --build-arg EXTRA_PACKAGES=ioredis and set REDIS_URL.

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:20-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    LOG_FORMAT=json
WORKDIR /app
COPY package.json package-lock.json ./
ARG EXTRA_PACKAGES=""
RUN npm ci --omit=dev \
    && if [ -n "$EXTRA_PACKAGES" ]; then npm install --omit=dev --no-save $EXTRA_PACKAGES; fi \
    && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY app.yml ./
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/ping').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/cli/main.js", "serve"]
