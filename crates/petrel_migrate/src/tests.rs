//! Plans of real projects on disk, built by the real `ProjectBuilder`.

use petrel_project::{Mode, ProjectBuilder};

use super::*;

fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, Project) {
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
    (dir, project)
}

const HANDLER: &str = "export default async function handler(req, res) { res.end(); }\n";

#[test]
fn plans_both_kinds_with_paths_schedules_and_follow_ups() {
    let (_dir, project) = project(&[
        ("package.json", "{}"),
        (
            "pages/api/[slug]/background-function.ts",
            &format!("{HANDLER}export const config = {{ type: \"experimental-background\" }};\n"),
        ),
        (
            "pages/api/refresh.ts",
            "export default async (req, res) => {\n  for (const p of req.body.paths) {\n    await res.revalidate(p);\n  }\n  res.end();\n};\nexport const config = { type: 'experimental-scheduled', schedule: '*/5 * * * *', maxDuration: 10 };\n",
        ),
        ("pages/api/plain.ts", HANDLER),
    ]);
    let plan = plan(&project);
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    let seen: Vec<_> = plan
        .routes
        .iter()
        .map(|r| {
            (
                r.page.as_str(),
                r.file.as_str(),
                r.kind,
                r.function.as_str(),
                r.target.as_str(),
                r.path.as_deref(),
                r.schedule.as_deref(),
                r.follow_ups.len(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "/api/[slug]/background-function",
                "pages/api/[slug]/background-function.ts",
                Kind::Background,
                "slug-background-function-background",
                "netlify/functions/slug-background-function-background.mts",
                Some("/api/:slug/background-function"),
                None,
                0,
            ),
            (
                "/api/refresh",
                "pages/api/refresh.ts",
                Kind::Scheduled,
                "refresh",
                "netlify/functions/refresh.mts",
                None,
                Some("*/5 * * * *"),
                1,
            ),
        ]
    );
    assert!(
        plan.routes[1].follow_ups[0]
            .starts_with("pages/api/refresh.ts:3: `res.revalidate` needs Next.js"),
        "{:?}",
        plan.routes[1].follow_ups
    );
    // The route keeps everything but its advanced keys.
    assert!(
        plan.routes[1]
            .route_after
            .ends_with("export const config = { maxDuration: 10 };\n")
    );
    assert!(
        plan.revalidate_route
            .as_ref()
            .unwrap()
            .ends_with("pages/api/petrel-revalidate.ts")
    );
}

#[test]
fn problems_are_per_route_and_the_others_still_migrate() {
    let (_dir, project) = project(&[
        ("package.json", "{}"),
        // Two routes that would share a name.
        (
            "pages/api/report.ts",
            &format!("{HANDLER}export const config = {{ type: 'experimental-background' }};\n"),
        ),
        (
            "pages/api/report-background.ts",
            &format!("{HANDLER}export const config = {{ type: 'experimental-background' }};\n"),
        ),
        // A name the project's functions already use.
        (
            "pages/api/sync.ts",
            &format!(
                "{HANDLER}export const config = {{ type: 'experimental-scheduled', schedule: '@daily' }};\n"
            ),
        ),
        (
            "netlify/functions/sync.mts",
            "export default async () => new Response('x');\n",
        ),
        // No schedule.
        (
            "pages/api/nosched.ts",
            &format!("{HANDLER}export const config = {{ type: 'experimental-scheduled' }};\n"),
        ),
        // A config the build cannot read.
        (
            "pages/api/dynamic.ts",
            &format!(
                "{HANDLER}const kind = 'experimental-background';\nexport const config = {{ type: kind }};\n"
            ),
        ),
        // Fine.
        (
            "pages/api/ok.ts",
            &format!("{HANDLER}export const config = {{ type: 'experimental-background' }};\n"),
        ),
    ]);
    let plan = plan(&project);
    let planned: Vec<&str> = plan.routes.iter().map(|r| r.page.as_str()).collect();
    assert_eq!(planned, ["/api/ok"]);
    let problem = |page: &str| {
        plan.problems
            .iter()
            .find(|p| p.page == page)
            .unwrap_or_else(|| panic!("no problem for {page}: {:?}", plan.problems))
            .error
            .clone()
    };
    assert!(problem("/api/report").contains("also become the function `report-background`"));
    assert!(problem("/api/report-background").contains("also become"));
    assert!(
        problem("/api/sync").contains("already has a function `sync` (netlify/functions/sync.mts)")
    );
    assert!(problem("/api/nosched").contains("schedule is required"));
    let dynamic = problem("/api/dynamic");
    assert!(
        dynamic.contains("pages/api/dynamic.ts") && dynamic.contains("object literal"),
        "{dynamic}"
    );
    assert_eq!(plan.problems.len(), 5);
}

#[test]
fn src_pages_base_path_and_page_extensions_are_the_runtimes() {
    let (_dir, project) = project(&[
        ("package.json", "{}"),
        (
            "next.config.js",
            "module.exports = { basePath: '/docs', pageExtensions: ['api.ts'] };\n",
        ),
        (
            "src/pages/api/files/[...path].api.ts",
            &format!("{HANDLER}export const config = {{ type: 'experimental-background' }};\n"),
        ),
        // Not a page with these pageExtensions.
        (
            "src/pages/api/ignored.ts",
            &format!("{HANDLER}export const config = {{ type: 'experimental-background' }};\n"),
        ),
    ]);
    let plan = plan(&project);
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    assert_eq!(plan.routes.len(), 1, "{:?}", plan.routes);
    let route = &plan.routes[0];
    assert_eq!(route.file, "src/pages/api/files/[...path].api.ts");
    assert_eq!(route.function, "files-path-background");
    assert_eq!(route.path.as_deref(), Some("/docs/api/files/:path+"));
}

#[test]
fn delete_routes_moves_an_unused_route_and_keeps_an_imported_one() {
    let (dir, project) = project(&[
        ("package.json", "{}"),
        ("lib/db.ts", "export const db = 1;\n"),
        (
            "pages/api/jobs/run.ts",
            &format!(
                "import {{ db }} from \"../../../lib/db\";\n{HANDLER}export const config = {{ type: 'experimental-background' }};\n"
            ),
        ),
        (
            "pages/api/report.ts",
            &format!(
                "{HANDLER}export const config = {{ type: 'experimental-scheduled', schedule: '@daily' }};\n"
            ),
        ),
        (
            "lib/uses-report.ts",
            "import report from '../pages/api/report';\nexport default report;\n",
        ),
    ]);
    let plan = plan(&project);
    let used: Vec<(&str, &[String])> = plan
        .routes
        .iter()
        .map(|r| (r.page.as_str(), r.used_by.as_slice()))
        .collect();
    assert_eq!(
        used,
        [
            ("/api/jobs/run", &[][..]),
            ("/api/report", &["lib/uses-report.ts".to_string()][..])
        ]
    );
    let changes = changes(&project, &plan, true);
    let summary: Vec<(String, bool, bool)> = changes
        .iter()
        .map(|c| (c.shown.clone(), c.before.is_some(), c.after.is_some()))
        .collect();
    assert!(
        summary.contains(&("pages/api/jobs/run.ts".into(), true, false)),
        "{summary:?}"
    );
    assert!(
        summary.contains(&(
            "netlify/functions/_petrel/routes/jobs-run-background.ts".into(),
            false,
            true
        )),
        "{summary:?}"
    );
    assert!(
        summary.contains(&("pages/api/report.ts".into(), true, true)),
        "kept, edited: {summary:?}"
    );
    let moved = changes
        .iter()
        .find(|c| c.shown.ends_with("routes/jobs-run-background.ts"))
        .unwrap();
    assert!(
        moved
            .after
            .as_deref()
            .unwrap()
            .starts_with("import { db } from \"../../../../lib/db\";"),
        "{:?}",
        moved.after
    );
    drop(dir);
}

#[test]
fn progress_counts_every_route() {
    let files: Vec<(String, String)> = (0..5)
        .map(|n| {
            (
                format!("pages/api/job{n}.ts"),
                format!("{HANDLER}export const config = {{ type: 'experimental-background' }};\n"),
            )
        })
        .chain([("package.json".to_string(), "{}".to_string())])
        .collect();
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let (_dir, project) = project(&files);
    let mut seen = Vec::new();
    let plan = plan_with_progress(&project, false, &mut |done, total| seen.push((done, total)));
    assert_eq!(plan.routes.len(), 5);
    assert_eq!(seen, (0..=5).map(|d| (d, 5)).collect::<Vec<_>>());
}
