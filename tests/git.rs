//! The git command line and other git clients against the forge.
