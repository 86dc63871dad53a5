// Builds each host's bundle into its component's static/ folder (not committed; `npm run build`).
import { build } from "esbuild";

const hosts = [
  { entry: "src/hosts/streamlit.ts", out: "../components/streamlit_vegafusion/static/streamlit.js" },
  // Dash loads component bundles as classic scripts: an IIFE, so no name leaks into the page.
  { entry: "src/hosts/dash.tsx", out: "../components/dash_vegafusion/static/dash.js", format: "iife" },
  { entry: "src/hosts/panel.ts", out: "../components/panel_vegafusion/static/panel.js" },
];

for (const { entry, out, format = "esm" } of hosts) {
  await build({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    format,
    platform: "browser",
    target: "es2020",
    minify: true,
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
  });
  console.log(`built ${out}`);
}
