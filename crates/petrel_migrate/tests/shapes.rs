//! Snapshot table of route shapes: for each, the plan and the diff of every file the
//! migration writes (the adapter and revalidation templates only by name: they are the same
//! for every project and tested in `templates-test/`). Review changes with `cargo insta
//! review`.

use petrel_migrate::{changes, plan};
use petrel_project::{Mode, ProjectBuilder};

/// The plan and diffs of a project made of `files`.
fn migrate(files: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let project = ProjectBuilder::new(dir.path(), Mode::Start)
        .unwrap()
        .build()
        .unwrap();
    let plan = plan(&project);
    let mut out = String::new();
    for route in &plan.routes {
        out.push_str(&format!(
            "{} → {} ({:?}, {}{})\n",
            route.page,
            route.target,
            route.kind,
            route.approach,
            route
                .path
                .as_ref()
                .map(|p| format!(", path {p}"))
                .or(route.schedule.as_ref().map(|s| format!(", schedule {s}")))
                .unwrap_or_default()
        ));
        for follow_up in &route.follow_ups {
            out.push_str(&format!("  ! {follow_up}\n"));
        }
    }
    for problem in &plan.problems {
        out.push_str(&format!("{} ⨯ {}\n", problem.page, problem.error));
    }
    for change in changes(&project, &plan, false) {
        if change.shown.ends_with("next-adapter.mts")
            || change.shown.ends_with("next-cache.ts")
            || change.shown.contains("petrel-revalidate")
        {
            out.push_str(&format!("\n(creates {})\n", change.shown));
        } else {
            out.push('\n');
            out.push_str(&change.diff());
        }
    }
    out
}

fn route(path: &str, text: &str) -> Vec<(String, String)> {
    vec![
        ("package.json".into(), "{}".into()),
        (path.into(), text.into()),
    ]
}

macro_rules! shape {
    ($name:ident, $path:expr, $text:expr) => {
        #[test]
        fn $name() {
            let files = route($path, $text);
            let files: Vec<(&str, &str)> = files
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .collect();
            insta::assert_snapshot!(migrate(&files));
        }
    };
}

shape!(
    background_default_arrow,
    "pages/api/send-email.ts",
    "export default async (req, res) => {\n  await fetch(\"https://example.com\", { method: \"POST\", body: req.body.to });\n  res.status(200).end();\n};\n\nexport const config = {\n  type: \"experimental-background\",\n};\n"
);

shape!(
    background_named_function_dynamic,
    "pages/api/[slug]/background-function.ts",
    "import type { NextApiRequest, NextApiResponse } from \"next\";\n\nexport default async function handler(req: NextApiRequest, res: NextApiResponse) {\n  console.log(req.query.slug, req.body.items);\n  res.json({ ok: true });\n}\n\nexport const config = { type: \"experimental-background\" };\n"
);

shape!(
    background_named_const_catch_all,
    "pages/api/files/[...path].ts",
    "const handler = (req, res) => {\n  res.send(req.query.path.join(\"/\"));\n};\n\nexport default handler;\n\n// Runs after the upload answered.\nexport const config = {\n  api: { bodyParser: false },\n  type: \"experimental-background\",\n};\n"
);

shape!(
    background_optional_catch_all_in_src,
    "src/pages/api/docs/[[...slug]].js",
    "export default function (req, res) { res.end(); }\nexport const config = { type: 'experimental-background', maxDuration: 60 };\n"
);

shape!(
    scheduled_with_revalidate_in_a_loop,
    "pages/api/refresh.ts",
    "export default async (req, res) => {\n  for (const path of [\"/blog\", \"/news\"]) {\n    await res.revalidate(path);\n  }\n  res.end();\n};\n\nexport const config = {\n  type: \"experimental-scheduled\",\n  schedule: \"*/5 * * * *\",\n};\n"
);

shape!(
    scheduled_with_extra_keys_and_comments,
    "pages/api/nightly.ts",
    "// Nightly report.\nexport default async function nightly(req, res) {\n  res.end();\n}\n\nexport const config = {\n  maxDuration: 30, // seconds\n  schedule: \"@daily\",\n  type: \"experimental-scheduled\",\n  api: { responseLimit: false },\n};\n"
);

shape!(
    commonjs_config_is_not_read,
    "pages/api/legacy.js",
    "module.exports = async (req, res) => res.end();\nmodule.exports.config = { type: 'experimental-background' };\n"
);

shape!(
    non_literal_config_is_a_problem,
    "pages/api/dynamic.ts",
    "const kind = \"experimental-scheduled\";\nexport default (req, res) => res.end();\nexport const config = { type: kind, schedule: \"@hourly\" };\n"
);

shape!(
    normal_route_is_left_alone,
    "pages/api/hello.ts",
    "export default (req, res) => res.json({ hello: 'world' });\nexport const config = { api: { bodyParser: false } };\n"
);

shape!(
    scheduled_with_next_cache_calls,
    "src/pages/api/cache/[kind].ts",
    "import { revalidatePath, revalidateTag as tag, unstable_cache } from \"next/cache\";\n\nconst posts = unstable_cache(async () => [], [\"posts\"]);\n\nexport default async function handler(req, res) {\n  await posts();\n  revalidatePath(\"/blog/[slug]\", \"page\");\n  tag(\"posts\", \"max\");\n  res.end();\n}\n\nexport const config = { type: \"experimental-scheduled\", schedule: \"@hourly\" };\n"
);
