//! End-to-end tests of the engine: two emulators on loopback (source and target), two real
//! clients, the engine between them. One test binary; modules by theme.

#[path = "engine/support.rs"]
mod support;

#[path = "engine/seed.rs"]
mod seed;

#[path = "engine/verify.rs"]
mod verify;

#[path = "engine/phase1.rs"]
mod phase1;

#[path = "engine/checks.rs"]
mod checks;

#[path = "engine/typical.rs"]
mod typical;

#[path = "engine/resilience.rs"]
mod resilience;

#[path = "engine/resume.rs"]
mod resume;
