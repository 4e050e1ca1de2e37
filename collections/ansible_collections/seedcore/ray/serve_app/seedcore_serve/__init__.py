"""SeedCore Serve: the ML application and the container entrypoints that run it."""
