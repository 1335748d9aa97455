//! The text of the files the migration writes: each route's Netlify Function, which runs the
//! route's unchanged handler through the adapter module (written once into the functions
//! folder), and the Next.js routes that revalidate for the functions: `res.revalidate` (a Pages
//! API route) and `revalidatePath`/`revalidateTag` (an App Router route, the only place Next.js
//! runs them).

use std::path::{Component, Path, PathBuf};

use crate::{Kind, RoutePlan};

/// The adapter module, relative to the functions folder (a sub-folder without an `index` or a
/// same-named file is not a function itself).
pub const ADAPTER_FILE: &str = "_petrel/next-adapter.mts";

/// The URL (under `basePath`) of the Next.js route that runs `res.revalidate` for the
/// functions.
pub const REVALIDATE_ROUTE: &str = "/api/petrel-revalidate";

/// The module a migrated route imports `revalidatePath`/`revalidateTag` from, relative to the
/// functions folder (the adapter imports it too).
pub const NEXT_CACHE_FILE: &str = "_petrel/next-cache.ts";

/// The URL (under `basePath`) of the App Router route that runs `revalidatePath` and
/// `revalidateTag` for the functions.
pub const REVALIDATE_CACHE_ROUTE: &str = "/api/petrel-revalidate-cache";

/// The App Router route's text.
pub const REVALIDATE_CACHE_SOURCE: &str = include_str!("../templates/revalidate-cache-route.ts");

/// The `next-cache` module's text for a project with `base_path`.
pub fn next_cache_source(base_path: &str) -> String {
    let template = include_str!("../templates/next-cache.ts");
    let quoted = serde_json::to_string(base_path).expect("a string");
    template.replacen(
        "const BASE_PATH = \"\";",
        &format!("const BASE_PATH = {quoted};"),
        1,
    )
}

/// The adapter's text.
pub const ADAPTER_SOURCE: &str = include_str!("../templates/next-adapter.mts");
/// The revalidation route's text.
pub const REVALIDATE_SOURCE: &str = include_str!("../templates/revalidate-route.ts");

/// The function file for `plan`, placed in `functions_dir`, importing the route file
/// `route_file` (both absolute).
pub fn function_source(
    plan: &RoutePlan,
    functions_dir: &Path,
    route_file: &Path,
    base_path: &str,
) -> String {
    let import = import_specifier(functions_dir, route_file);
    // A JavaScript route has no types: without `allowJs`, strict TypeScript refuses the import.
    let untyped = matches!(
        route_file.extension().and_then(|e| e.to_str()),
        Some("js" | "jsx" | "mjs" | "cjs")
    );
    let ignore = if untyped {
        "// @ts-ignore: a JavaScript module (no types)\n"
    } else {
        ""
    };
    let (what, config) = what_and_config(plan);
    let quoted = |s: &str| serde_json::to_string(s).expect("a string");
    let options: String = plan
        .adapter_options
        .iter()
        .map(|(key, value)| format!("    {key}: {value},\n"))
        .collect();
    format!(
        "// Migrated by `petrel migrate` from {file},\n\
         // a Next.js advanced API route (`type: \"{what}\"`) that Netlify's Next.js\n\
         // runtime no longer builds. The route's handler runs unchanged, through the adapter in\n\
         // ./{ADAPTER_FILE}; the function ends when the handler does (its answer is not used).\n\
         import type {{ Config, Context }} from \"@netlify/functions\";\n\
         {ignore}import handler from {import};\n\
         import {{ runNextApiHandler }} from \"./{ADAPTER_FILE}\";\n\
         \n\
         export default (request: Request, context: Context) =>\n  \
           runNextApiHandler(handler, request, context, {{\n    \
             page: {page},\n    \
             basePath: {base},\n    \
             revalidateRoute: {revalidate},\n    \
             waitForHandler: true,\n\
         {options}  \
           }});\n\
         \n\
         export const config: Config = {{\n{config}}};\n",
        file = plan.file,
        import = quoted(&import),
        page = quoted(&plan.page),
        base = quoted(base_path),
        revalidate = quoted(REVALIDATE_ROUTE),
    )
}

/// The advanced type the route had, and the function's `config` body.
fn what_and_config(plan: &RoutePlan) -> (&'static str, String) {
    match plan.kind {
        Kind::Background => (
            "experimental-background",
            format!(
                "  path: {},\n",
                serde_json::to_string(plan.path.as_deref().unwrap_or("")).expect("a string")
            ),
        ),
        Kind::Scheduled => (
            "experimental-scheduled",
            format!(
                "  schedule: {},\n",
                serde_json::to_string(plan.schedule.as_deref().unwrap_or("")).expect("a string")
            ),
        ),
    }
}

/// The function file for a route whose handler was rewritten for Netlify's API (`module`:
/// the rewritten module, its imports already pointing from the functions folder). A `.mjs`
/// target (the route was JavaScript) gets JavaScript, with the config typed by JSDoc.
pub fn rewritten_function_source(plan: &RoutePlan, module: &str) -> String {
    let (what, config) = what_and_config(plan);
    let javascript = plan.target.ends_with(".mjs");
    let (import, config_head) = if javascript {
        (
            "",
            "/** @type {import(\"@netlify/functions\").Config} */\nexport const config = {\n",
        )
    } else {
        (
            "import type { Config, Context } from \"@netlify/functions\";\n",
            "export const config: Config = {\n",
        )
    };
    format!(
        "// Migrated by `petrel migrate` from {file},\n\
         // a Next.js advanced API route (`type: \"{what}\"`) that Netlify's Next.js\n\
         // runtime no longer builds. Its handler, rewritten for Netlify's API: `request`,\n\
         // `context.params`, the body; the answer is ignored (as it was), so the calls\n\
         // that made it keep only their arguments.\n\
         {import}\
         {module}\n\
         \n\
         {config_head}{config}}};\n",
        file = plan.file,
        module = module.trim_end(),
    )
}

/// `../../pages/api/[slug]/x` — the route file relative to the functions folder, as an import
/// specifier: `.ts`/`.tsx`/`.js`/`.jsx` dropped (bundlers and TypeScript find them), other
/// extensions kept.
pub fn import_specifier(from_dir: &Path, to_file: &Path) -> String {
    let mut text = relative_path(from_dir, to_file);
    for ext in [".tsx", ".ts", ".jsx", ".js"] {
        if let Some(stripped) = text.strip_suffix(ext) {
            text = stripped.to_string();
            break;
        }
    }
    text
}

/// `to` relative to the folder `from_dir`, starting with `./` or `../`, with `/` separators.
pub fn relative_path(from_dir: &Path, to: &Path) -> String {
    let from: Vec<Component<'_>> = from_dir.components().collect();
    let to: Vec<Component<'_>> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut rel = PathBuf::new();
    for _ in common..from.len() {
        rel.push("..");
    }
    for part in &to[common..] {
        rel.push(part);
    }
    let text = rel.to_string_lossy().replace('\\', "/");
    if text.starts_with('.') {
        text
    } else {
        format!("./{text}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_cache_gets_the_base_path() {
        let text = next_cache_source("/docs");
        assert!(text.contains("const BASE_PATH = \"/docs\";"), "{text}");
        assert!(text.contains(&format!("const ROUTE = \"{REVALIDATE_CACHE_ROUTE}\";")));
    }

    #[test]
    fn import_specifiers() {
        let root = Path::new("/p");
        let functions = root.join("netlify/functions");
        assert_eq!(
            import_specifier(
                &functions,
                &root.join("pages/api/[slug]/background-function.ts")
            ),
            "../../pages/api/[slug]/background-function"
        );
        assert_eq!(
            import_specifier(&functions, &root.join("src/pages/api/cron.mjs")),
            "../../src/pages/api/cron.mjs"
        );
        assert_eq!(
            import_specifier(&root.join("fns"), &root.join("fns/lib/x.js")),
            "./lib/x"
        );
    }
}
