"""Reads of webhooks, always within one workspace."""

from __future__ import annotations

from django.db.models import QuerySet

from betool.errors import not_found
from betool.models import Membership, Workspace
from betool.roles import Role
from betool.webhooks.models import WebhookDelivery, WebhookEndpoint


def endpoint_list(*, workspace: Workspace) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(workspace=workspace)


def endpoint_in_workspace(*, workspace: Workspace, endpoint_id: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(workspace=workspace, pk=endpoint_id).first()
    if endpoint is None:
        raise not_found("The webhook endpoint")
    return endpoint


def delivery_list(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(endpoint=endpoint)


def delivery_in_workspace(*, workspace: Workspace, delivery_id: int) -> WebhookDelivery:
    delivery = (
        WebhookDelivery.objects.select_related("endpoint")
        .prefetch_related("attempt_log")
        .filter(endpoint__workspace=workspace, pk=delivery_id)
        .first()
    )
    if delivery is None:
        raise not_found("The delivery")
    return delivery


def subscribed_endpoints(*, workspace_id: int, event: str) -> list[WebhookEndpoint]:
    # JSON ``contains`` is not on SQLite; the list is a workspace's few endpoints.
    endpoints = WebhookEndpoint.objects.filter(workspace_id=workspace_id, enabled=True)
    return [endpoint for endpoint in endpoints if event in endpoint.events]


def admin_emails(*, workspace: Workspace) -> list[str]:
    memberships = Membership.objects.select_related("user").filter(
        workspace=workspace, role__in=[Role.OWNER, Role.ADMIN]
    )
    return sorted({m.user.email for m in memberships if m.user.email})
