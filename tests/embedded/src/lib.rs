//! Host helpers for the embedded-runtime tests live in `tests/`.
