"""A call's record beyond the worker: the call monitor's history and export, billing, closing
the calls a worker left open (LiveKit webhooks, the reaper), and a call turned into a scenario."""
