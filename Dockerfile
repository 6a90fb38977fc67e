# A turnq worker: runs the TypeScript sources through tsx (no build step).
FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY src ./src
COPY workers ./workers
COPY config ./config
COPY bin ./bin
USER node
# SIGTERM drains the worker (docker stop waits drainOngoingCallTimeout at most with stop_grace_period).
CMD ["node", "bin/turnq.js", "worker", "--config", "config/examples/rabbitmq.yaml"]
