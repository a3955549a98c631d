"""The LiveKit voice worker: one AgentSession per call, running the call's compiled graph.

Modules: ``server`` (the AgentServer, prewarm, request filter), ``session`` (the per-call
entrypoint), ``agent`` (the Agent whose LLM node is the betool graph), ``actions`` (the
engine's voice actions carried out: hang up, transfer, hold, collect digits, barge-in),
``ending`` (goodbye, caller out, room closed), ``transfers``, ``hold``, ``dtmf`` (the
caller's keys), ``limits`` (call length, caller silence), ``usage`` (what the call used and
its interval reports), ``recorder`` (the batched writer of call records). Import Django
models only inside functions or after :func:`telephony.worker.bootstrap.ensure_django`: job
processes start bare.
"""
