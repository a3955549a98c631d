from django.urls import path

from telephony.events.consumers import CallMonitorConsumer

websocket_urlpatterns = [
    path("ws/calls/", CallMonitorConsumer.as_asgi()),
]
