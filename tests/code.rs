//! The code browser on a generated repository.
