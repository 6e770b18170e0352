//! Storage: the config file and the secret stores.
