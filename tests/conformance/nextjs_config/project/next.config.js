module.exports = {
  basePath: "/base",
  trailingSlash: true,
  pageExtensions: ["api.ts", "page.tsx"],
  typescript: { ignoreBuildErrors: true },
};
