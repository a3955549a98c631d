"""Websocket routes of every app, gathered for the ASGI router."""

from pipelines.routing import websocket_urlpatterns as pipeline_sockets
from telephony.routing import websocket_urlpatterns as telephony_sockets

websocket_urlpatterns = [*pipeline_sockets, *telephony_sockets]
