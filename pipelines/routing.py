from django.urls import path

from pipelines.consumers import TestSessionConsumer

websocket_urlpatterns = [
    path("ws/pipelines/<int:pipeline_id>/test/", TestSessionConsumer.as_asgi()),
]
