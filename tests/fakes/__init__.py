"""Local stand-ins that speak real wire protocols, and in-process fakes for the engine."""
