// Builds each host's bundle into its component's static/ folder (not committed; `npm run build`).
import { build } from "esbuild";

const hosts = [
  { entry: "src/hosts/streamlit.ts", out: "../components/streamlit_vegafusion/static/streamlit.js" },
];

for (const { entry, out } of hosts) {
  await build({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2020",
    minify: true,
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
  });
  console.log(`built ${out}`);
}
