import { defineConfig } from "vite";

// The app serves the built files from `dist/` (embedded by tauri); there is no dev server in
// the product path. Relative asset URLs keep the build valid under tauri's custom protocol.
export default defineConfig({
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
  },
});
