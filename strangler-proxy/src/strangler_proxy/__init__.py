"""The strangler proxy: sends each route to the monolith or to an extracted service."""
