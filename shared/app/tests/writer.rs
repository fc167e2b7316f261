//! The writer's scenarios on the in-memory fakes (the same scenarios run on SQLite in
//! `shared/local/tests/writer_sqlite.rs`).

use jingsf_app::contract::writer::Stores;

jingsf_app::writer_scenarios!(Stores::fakes);
