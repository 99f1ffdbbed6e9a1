"""Sub-commands that measure or extend a checkpoint folder; each merges its own section into config.json."""
