"""Trunks and numbers: the admin's API and writes, their sync to LiveKit's SIP service, and
dispatching the voice worker to a room."""
