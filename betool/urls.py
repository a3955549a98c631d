from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from betool import views
from betool.api import router as core_router
from betool.api_base import build_api
from betool.credits_api import router as credits_router
from betool.webhooks.api import router as webhooks_router
from campaigns.api import router as campaigns_router
from pipelines.api import action_message_schemas
from pipelines.api import router as pipelines_router
from pipelines.flow_tests.api import router as flow_tests_router
from telephony.api import router as telephony_router
from telephony.calls.livekit_webhooks import livekit_webhook
from voice_models.api import prices_router
from voice_models.api import router as voice_models_router

api = build_api(
    [
        ("", core_router),
        ("/credits", credits_router),
        ("/pipelines", pipelines_router),
        ("/pipelines", flow_tests_router),
        ("", telephony_router),
        ("/voice-models", voice_models_router),
        ("/prices", prices_router),
        ("/webhooks", webhooks_router),
        ("", campaigns_router),
    ],
    message_schemas=action_message_schemas,
)

urlpatterns = [
    path("api/livekit/webhook", livekit_webhook, name="livekit-webhook"),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("invite/<str:token>/", views.invite_accept, name="invite-accept"),
    path("favicon.ico", views.favicon, name="favicon"),
    re_path(r"^(?!api/|admin/|static/|ws/|invite/|favicon\.ico$).*$", views.app_shell, name="app"),
]
