"""Outgoing webhooks: a workspace's endpoints, the events they receive, signed deliveries.

Core layer: pipelines and telephony call :func:`betool.webhooks.services.webhook_event_emit`;
this package knows nothing of them (event payloads are declared in ``events.py``).
"""
