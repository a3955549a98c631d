import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

const backend = process.env.BETOOL_BACKEND ?? "http://127.0.0.1:8010";

export default defineConfig({
  base: "/static/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1200 },
  server: {
    proxy: {
      "/api": backend,
      "/login": backend,
      "/logout": backend,
      "/admin": backend,
      "/ws": { target: backend.replace(/^http/, "ws"), ws: true },
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    pool: "threads",
    maxWorkers: 1,
  },
});
