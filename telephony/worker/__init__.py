"""The LiveKit voice worker: one AgentSession per call, running the call's compiled graph.

Modules: ``server`` (the AgentServer, prewarm, request filter), ``session`` (the per-call
entrypoint), ``agent`` (the Agent whose LLM node is the betool graph), ``tools`` (hang up,
transfer, hold, DTMF), ``recorder`` (the batched writer of call records), ``models``
(STT/TTS from voice model configurations). Import Django models only inside functions or
after :func:`telephony.worker.bootstrap.ensure_django`: job processes start bare.
"""
