"""Who hears about calls as they happen: the call monitor's live feed and the workspace's
webhooks."""
