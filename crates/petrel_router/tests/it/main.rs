//! Integration tests of `petrel_router`: fixture projects built in temp dirs, scanned, and
//! routed through `normalize` + `RouteTable::match_path`, checked against the routing cases of
//! `nextjs-api-semantics.md` §9.2; Netlify Functions custom paths against
//! `netlify-functions-semantics.md` §14.

mod fixtures;
mod netlify;
mod nextjs_app;
mod project_a;
mod project_c;
mod scan;
