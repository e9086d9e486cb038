//! Sources: readers that turn a dataset on disk into clean images with labels and stable keys.

pub mod mnist;
