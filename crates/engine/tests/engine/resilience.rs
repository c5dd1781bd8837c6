//! Faults, rejections and crashes.
