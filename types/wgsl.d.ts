// WGSL sources are imported as text: Vite's `?raw` in the browser and in vitest, and the loader in
// scripts/raw-loader.mjs under plain Node.
declare module '*.wgsl?raw' {
  const source: string;
  export default source;
}
