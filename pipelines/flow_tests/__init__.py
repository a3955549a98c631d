"""Flow test suites: scripted and simulated callers run through the production engine,
with expectations on the path the call took, what was said and what the call did."""
