//! File-system routing of a Next.js project's Pages API routes (`pages/api/**`) and App Router
//! route handlers (`app/**/route.ts`), the way `next start` does it.
//!
//! What it is: discovery of route files ([`scan_pages_api`], [`scan_app_routes`]) and of the
//! conflicts between the two routers ([`check_app_pages_conflicts`], [`api_route_table`]),
//! route patterns ([`RoutePattern`]),
//! a precedence-ordered route table with request-path matching and per-segment percent-decoding
//! of parameters ([`RouteTable`]), and the path normalisation Next applies before routing
//! (trailing-slash and repeated-slash 308s, basePath, invalid escapes; [`normalize()`]).
//!
//! What it is not: it does no I/O besides reading directory listings in [`scan_pages_api`] and
//! [`scan_app_routes`], no network, no processes. It does not parse query strings, build
//! `req.query`/`req.url`, render error pages or run handlers; App Router pages and metadata
//! routes are not covered.
//!
//! The behavioural contract is `nextjs-api-semantics.md` §1, §2.1–§2.3 and §8.1.
#![warn(missing_docs)]

mod app_scan;
mod error;
mod netlify;
mod normalize;
mod pattern;
mod scan;
mod table;
mod walk;

pub use app_scan::{
    AppScan, DiscoveredAppRoute, NextRoute, RouterKind, api_route_table, check_app_pages_conflicts,
    scan_app_routes,
};
pub use error::{AppEntryRef, PatternProblem, RouteRef, RouterError};
pub use netlify::{NetlifyMatch, NetlifyPath, NetlifyPathError, NetlifyRoute, NetlifyRouteTable};
pub use normalize::{NormalizeOptions, Normalized, normalize};
pub use pattern::{RoutePattern, Segment};
pub use scan::{DEFAULT_PAGE_EXTENSIONS, DiscoveredRoute, PagesScan, scan_pages_api};
pub use table::{ParamValue, RouteMatch, RouteTable};
