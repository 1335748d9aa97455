'use strict';
// Evaluates a project's `next.config.*` the way Next.js 16 loads it, and reports the keys
// Petrel uses. Run by `petrel_project::load_next_config` as
//
//   node --enable-source-maps --experimental-require-module \
//        --disable-warning=ExperimentalWarning -e <this file> \
//        <built module> <phase> <marker> <config file name as shown to the user>
//
// with cwd = project root and NODE_ENV set by the mode. `<built module>` is the config as
// transpiled by petrel_compile (.mjs or .cjs, with a source map).
//
// What Next does, and where (next@16, dist/):
// - server/config.js `loadConfigImpl`: `import()` the file, `interopDefault` (mod.default ||
//   mod), then config-shared.js `normalizeConfig`: a function is called with
//   `(phase, { defaultConfig })`, and the result (or the export itself) is awaited.
// - server/config.js `assignDefaultsAndValidate`: keys whose value is null/undefined take the
//   default; `exportTrailingSlash` is renamed; pageExtensions and basePath errors (messages
//   below are Next's).
// - server/config-schema.js (zod): only warnings for `trailingSlash` / `env` value types.
// - lib/static-env.js `getNextConfigEnv`: env keys matching /^(?:NODE_.+)|^(?:__.+)$/i or equal
//   to NEXT_RUNTIME are "not allowed"; null/undefined values are skipped.
//
// The result is one line on stdout: "\n" + marker + JSON + "\n", where the marker is a random
// string chosen by the host, so whatever the config prints cannot be mistaken for it:
//   { ok: true, config: { basePath, trailingSlash, pageExtensions, env: [[k, v], ...] },
//     warnings: [string] }
//   { ok: false, kind: 'threw', error: { name, message, stack } }
//   { ok: false, kind: 'invalid', message }

const { pathToFileURL } = require('node:url');

const [modulePath, phase, marker, configFileName] = process.argv.slice(1, 5);
// The config sees Node's own argv, not the evaluator's arguments.
process.argv.splice(1);

const DEFAULT_PAGE_EXTENSIONS = ['tsx', 'ts', 'jsx', 'js'];
const INVALID_CONFIG_DOCS = 'See more info here: https://nextjs.org/docs/messages/invalid-next-config';

// What a config function receives as `defaultConfig`: the part of Next's defaults
// (config-shared.js `defaultConfig`) that does not need Next itself to be installed.
function defaultConfig() {
  return {
    env: {},
    webpack: null,
    typescript: { ignoreBuildErrors: false },
    distDir: '.next',
    cleanDistDir: true,
    assetPrefix: '',
    configOrigin: 'default',
    useFileSystemPublicRoutes: true,
    generateEtags: true,
    pageExtensions: DEFAULT_PAGE_EXTENSIONS.slice(),
    poweredByHeader: true,
    compress: true,
    images: {},
    devIndicators: { position: 'bottom-left' },
    onDemandEntries: { maxInactiveAge: 60 * 1000, pagesBufferLength: 5 },
    basePath: '',
    sassOptions: {},
    trailingSlash: false,
    i18n: null,
    productionBrowserSourceMaps: false,
    excludeDefaultMomentLocales: true,
    reactProductionProfiling: false,
    reactStrictMode: null,
    reactMaxHeadersLength: 6000,
    httpAgentOptions: { keepAlive: true },
    logging: {},
    expireTime: 31536000,
    staticPageGenerationTimeout: 60,
    output: process.env.NEXT_PRIVATE_STANDALONE ? 'standalone' : undefined,
    modularizeImports: undefined,
    outputFileTracingRoot: process.env.NEXT_PRIVATE_OUTPUT_TRACE_ROOT || '',
    allowedDevOrigins: undefined,
    experimental: {},
    bundlePagesRouterDependencies: false,
  };
}

class InvalidConfig extends Error {}

let sent = false;

function send(result) {
  if (sent) return;
  sent = true;
  const line = '\n' + marker + JSON.stringify(result) + '\n';
  // Exit once the line is flushed (pipes are asynchronous on some platforms), so timers or
  // servers the config started do not keep the process alive.
  process.stdout.write(line, () => process.exit(0));
}

function safeString(value) {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

// zod's `getParsedType`, which names the types in Next's schema warnings.
function parsedType(value) {
  switch (typeof value) {
    case 'number':
      return Number.isNaN(value) ? 'nan' : 'number';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return 'array';
      if (typeof value.then === 'function' && typeof value.catch === 'function') return 'promise';
      if (value instanceof Map) return 'map';
      if (value instanceof Set) return 'set';
      if (value instanceof Date) return 'date';
      return 'object';
    default:
      return typeof value;
  }
}

function schemaWarning(issue) {
  return `Invalid ${configFileName} options detected: ${issue}. ${INVALID_CONFIG_DOCS}`;
}

function describeError(err) {
  if (err !== null && typeof err === 'object' && 'message' in err) {
    let stack = '';
    try {
      // Reading `stack` is what applies the source maps (--enable-source-maps).
      stack = safeString(err.stack || '');
    } catch {}
    return { name: safeString(err.name || 'Error'), message: safeString(err.message), stack };
  }
  return { name: '', message: safeString(err), stack: '' };
}

function validate(userConfig) {
  const warnings = [];
  if (userConfig === null || typeof userConfig !== 'object' || Array.isArray(userConfig)) {
    throw new InvalidConfig(
      `${configFileName} must export an object (or a function or promise that gives one), found ${parsedType(userConfig)}. ` +
        'Export the config, e.g. `module.exports = { basePath: "/docs" }` or `export default { basePath: "/docs" }`.',
    );
  }

  // assignDefaultsAndValidate: `exportTrailingSlash` was renamed.
  let trailingSlash = userConfig.trailingSlash;
  if (typeof userConfig.exportTrailingSlash !== 'undefined') {
    warnings.push(
      `The "exportTrailingSlash" option has been renamed to "trailingSlash". Please update your ${configFileName}.`,
    );
    if (typeof trailingSlash === 'undefined') trailingSlash = userConfig.exportTrailingSlash;
  }
  if (trailingSlash !== undefined && typeof trailingSlash !== 'boolean') {
    // Next only warns (schema) and then uses the value as a truthy flag.
    warnings.push(schemaWarning(`Expected boolean, received ${parsedType(trailingSlash)} at "trailingSlash"`));
  }

  // pageExtensions (assignDefaultsAndValidate, after null/undefined are dropped).
  let pageExtensions = userConfig.pageExtensions;
  if (pageExtensions === undefined || pageExtensions === null) {
    pageExtensions = DEFAULT_PAGE_EXTENSIONS.slice();
  } else {
    if (!Array.isArray(pageExtensions)) {
      throw new InvalidConfig(
        `Specified pageExtensions is not an array of strings, found "${safeString(pageExtensions)}". Please update this config or remove it.`,
      );
    }
    if (!pageExtensions.length) {
      throw new InvalidConfig(
        'Specified pageExtensions is an empty array. Please update it with the relevant extensions or remove it.',
      );
    }
    for (const ext of pageExtensions) {
      if (typeof ext !== 'string') {
        throw new InvalidConfig(
          `Specified pageExtensions is not an array of strings, found "${safeString(ext)}" of type "${typeof ext}". Please update this config or remove it.`,
        );
      }
    }
    pageExtensions = pageExtensions.slice();
    for (const ext of pageExtensions) {
      if (ext.startsWith('.')) {
        // Next does not strip the dot: it looks for `page..ts`, so no file matches.
        warnings.push(
          `pageExtensions entry "${ext}" in ${configFileName} starts with a dot; Next.js matches extensions without one (it would look for "index.${ext}"), so no file uses it. Write "${ext.replace(/^\.+/, '')}" instead.`,
        );
      }
    }
  }

  // basePath (assignDefaultsAndValidate, checked on the merged config).
  let basePath = userConfig.basePath;
  if (basePath === undefined || basePath === null) basePath = '';
  if (typeof basePath !== 'string') {
    throw new InvalidConfig(
      `Specified basePath is not a string, found type "${typeof basePath}". Set basePath to a path prefix such as "/docs", or remove it.`,
    );
  }
  if (basePath !== '') {
    if (basePath === '/') {
      throw new InvalidConfig(
        'Specified basePath /. basePath has to be either an empty string or a path prefix. Use a prefix such as "/docs", or remove basePath to serve from the root.',
      );
    }
    if (!basePath.startsWith('/')) {
      throw new InvalidConfig(
        `Specified basePath has to start with a /, found "${basePath}". Write "/${basePath}" instead.`,
      );
    }
    if (basePath.endsWith('/')) {
      throw new InvalidConfig(
        `Specified basePath should not end with /, found "${basePath}". Write "${basePath.replace(/\/+$/, '')}" instead.`,
      );
    }
  }

  // env (static-env.js getNextConfigEnv).
  const env = [];
  const userEnv = userConfig.env;
  if (userEnv !== undefined && userEnv !== null) {
    if (typeof userEnv !== 'object' || Array.isArray(userEnv)) {
      throw new InvalidConfig(
        `Specified env is not an object, found ${parsedType(userEnv)}. Set env to an object of strings, e.g. env: { API_URL: "https://example.com" }, or remove it.`,
      );
    }
    for (const key in userEnv) {
      const value = userEnv[key];
      if (value === undefined || value === null) continue;
      if (/^(?:NODE_.+)|^(?:__.+)$/i.test(key) || key === 'NEXT_RUNTIME') {
        throw new InvalidConfig(
          `The key "${key}" under "env" in ${configFileName} is not allowed. https://nextjs.org/docs/messages/env-key-not-allowed ` +
            'Keys starting with "NODE_" or "__", and "NEXT_RUNTIME", are reserved: rename it or remove it.',
        );
      }
      if (typeof value === 'string') {
        env.push([key, value]);
        continue;
      }
      let text;
      const type = parsedType(value);
      if (type === 'number' || type === 'nan' || type === 'boolean' || type === 'bigint') {
        text = String(value);
      } else if (type === 'function' || type === 'symbol') {
        throw new InvalidConfig(
          `env.${key} in ${configFileName} is a ${type}; env values must be strings (they become process.env.${key}). Use a string, e.g. ${key}: "value".`,
        );
      } else {
        try {
          text = JSON.stringify(value);
        } catch (err) {
          throw new InvalidConfig(
            `env.${key} in ${configFileName} cannot be turned into a string (${describeError(err).message}); env values must be strings. Use a string, e.g. ${key}: "value".`,
          );
        }
        if (typeof text !== 'string') {
          throw new InvalidConfig(
            `env.${key} in ${configFileName} cannot be turned into a string; env values must be strings. Use a string, e.g. ${key}: "value".`,
          );
        }
      }
      warnings.push(
        schemaWarning(`Expected string, received ${type} at "env.${key}"`) +
          ` Petrel sets process.env.${key} to ${JSON.stringify(text)} (Next.js inlines the ${type} itself where process.env.${key} is written). Write it as a string to get the same value in both.`,
      );
      env.push([key, text]);
    }
  }

  return {
    ok: true,
    config: { basePath, trailingSlash: !!trailingSlash, pageExtensions, env },
    warnings,
  };
}

// A throw from a timer or an unhandled rejection while the config is evaluated: report it
// like a throw of the config itself (Next would crash).
process.on('uncaughtException', (err) => {
  send({ ok: false, kind: 'threw', error: describeError(err) });
});

async function main() {
  let userConfig;
  try {
    const mod = await import(pathToFileURL(modulePath).href);
    // interop-default.js is `mod.default || mod`. `import()` of CommonJS always has `default`
    // (module.exports); an ES module without a default export gives its named exports, as a
    // next.config.ts read through Next's require hook does (for .mjs/.js Next then fails with
    // "Cannot redefine property"). A falsy default (`export default null`) is reported by
    // validate() instead of falling back to the namespace, where Next fails the same way.
    let config = 'default' in mod ? mod.default : mod;
    // config-shared.js normalizeConfig
    if (typeof config === 'function') {
      config = config(phase, { defaultConfig: defaultConfig() });
    }
    userConfig = await config;
  } catch (err) {
    send({ ok: false, kind: 'threw', error: describeError(err) });
    return;
  }
  try {
    send(validate(userConfig));
  } catch (err) {
    if (err instanceof InvalidConfig) {
      send({ ok: false, kind: 'invalid', message: err.message });
    } else {
      // A getter or proxy of the user's config threw.
      send({ ok: false, kind: 'threw', error: describeError(err) });
    }
  }
}

main();
