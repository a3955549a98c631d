"""Writes of voice model configurations and prices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from django.conf import settings
from django.db import IntegrityError, transaction

from betool.egress import EgressPolicy
from betool.errors import ApiError, not_found
from betool.models import User, Workspace
from voice_models.errors import VoiceModelErrorCode
from voice_models.models import PROVIDER_KINDS, VoiceModel, VoiceModelKind, VoiceProvider
from voice_models.pricing import PriceBookEntry

_EDITABLE = ("name", "kind", "provider", "model", "voice", "language", "base_url", "enabled")


def _check_provider(kind: str, provider: str) -> None:
    if kind not in PROVIDER_KINDS[provider]:
        raise ApiError(
            VoiceModelErrorCode.PROVIDER_KIND,
            f"{VoiceProvider(provider).label} does not offer {VoiceModelKind(kind).label.lower()}.",
            status=422,
        )


def _check_base_url(base_url: str) -> None:
    """Provider addresses follow the HTTP nodes' egress policy (the resolved addresses are
    checked again when a connection is made)."""
    if not base_url:
        return
    try:
        host = httpx.URL(base_url).host
    except (httpx.InvalidURL, ValueError):
        raise ApiError(
            VoiceModelErrorCode.BASE_URL_REFUSED, "The base URL is not a web address.", status=422
        ) from None
    policy = EgressPolicy(allow_private=settings.HTTP_NODES_ALLOW_PRIVATE_NETWORK)
    reason = policy.refusal_by_name(host)
    if reason is not None:
        raise ApiError(
            VoiceModelErrorCode.BASE_URL_REFUSED,
            f"betool may not connect to {host}: it is {reason}. An operator can allow "
            "loopback and private networks with BETOOL_HTTP_ALLOW_PRIVATE_NETWORK.",
            status=422,
        )


def _origin(base_url: str) -> tuple[str, str, int | None]:
    try:
        url = httpx.URL(base_url)
    except (httpx.InvalidURL, ValueError):
        return ("", base_url, None)
    return (url.scheme, url.host.rstrip("."), url.port)


def voice_model_stored_key_for(*, voice_model: VoiceModel, base_url: str) -> str:
    """The stored key, for a look-up made before an edit is saved (the provider's catalog);
    refused where the look-up goes to another server than the key was entered for."""
    if voice_model.api_key and _origin(base_url or "") != _origin(voice_model.base_url or ""):
        raise ApiError(
            VoiceModelErrorCode.KEY_REQUIRED_FOR_NEW_HOST,
            "This address is another server than the stored key was entered for: enter the "
            "API key again to list what it offers.",
            status=422,
            details={"field": "api_key"},
        )
    return voice_model.api_key or ""


def voice_model_create(*, workspace: Workspace, **fields: Any) -> VoiceModel:
    _check_provider(fields["kind"], fields["provider"])
    _check_base_url(fields.get("base_url") or "")
    try:
        with transaction.atomic():
            return VoiceModel.objects.create(workspace=workspace, **fields)
    except IntegrityError as exc:
        raise ApiError(
            VoiceModelErrorCode.NAME_TAKEN, "Another voice model has that name.", status=409
        ) from exc


def voice_model_update(
    *, workspace: Workspace, voice_model_id: int, api_key: str | None = None, **fields: Any
) -> VoiceModel:
    """Changes the given fields. ``api_key=None`` keeps the stored key; ``""`` removes it.

    A stored key never follows a base URL to another host: changing the host of a model
    that has a key requires entering the key again (or removing it)."""
    voice_model = VoiceModel.objects.filter(workspace=workspace, pk=voice_model_id).first()
    if voice_model is None:
        raise not_found("Voice model")
    new_base_url = fields.get("base_url")
    if new_base_url is not None:
        _check_base_url(new_base_url)
        moved = _origin(new_base_url or "") != _origin(voice_model.base_url or "")
        if moved and voice_model.api_key and api_key is None:
            raise ApiError(
                VoiceModelErrorCode.KEY_REQUIRED_FOR_NEW_HOST,
                "The base URL now points to another server: enter the API key again, so "
                "that the stored key is not sent somewhere it was not meant for.",
                status=422,
                details={"field": "api_key"},
            )
    for name in _EDITABLE:
        if fields.get(name) is not None:
            setattr(voice_model, name, fields[name])
    if api_key is not None:
        voice_model.api_key = api_key
    _check_provider(voice_model.kind, voice_model.provider)
    try:
        with transaction.atomic():
            voice_model.save()
    except IntegrityError as exc:
        raise ApiError(
            VoiceModelErrorCode.NAME_TAKEN, "Another voice model has that name.", status=409
        ) from exc
    return voice_model


@transaction.atomic
def voice_model_set_default(*, workspace: Workspace, voice_model_id: int) -> VoiceModel:
    """Makes this language model the workspace's default (the previous one stops being it)."""
    voice_model = (
        VoiceModel.objects.select_for_update()
        .filter(workspace=workspace, pk=voice_model_id)
        .first()
    )
    if voice_model is None:
        raise not_found("Voice model")
    if voice_model.kind != VoiceModelKind.LLM:
        raise ApiError(
            VoiceModelErrorCode.NOT_A_LANGUAGE_MODEL,
            "Only a language model can be the workspace's default.",
            status=422,
        )
    VoiceModel.objects.filter(workspace=workspace, is_default=True).exclude(
        pk=voice_model.pk
    ).update(is_default=False)
    if not voice_model.is_default:
        voice_model.is_default = True
        voice_model.save(update_fields=["is_default", "updated_at"])
    return voice_model


def voice_model_delete(*, workspace: Workspace, voice_model_id: int) -> None:
    voice_model = VoiceModel.objects.filter(workspace=workspace, pk=voice_model_id).first()
    if voice_model is None:
        raise not_found("Voice model")
    # Numbers that used it fall back to the local models (their foreign key is SET_NULL).
    voice_model.delete()


def price_delete(*, workspace: Workspace, price_id: int) -> None:
    deleted, _ = PriceBookEntry.objects.filter(workspace=workspace, pk=price_id).delete()
    if not deleted:
        raise not_found("Price")


def price_set(
    *,
    workspace: Workspace,
    user: User,
    kind: str,
    credits: Decimal,
    effective_from: date,
    model_name: str = "",
    note: str = "",
) -> PriceBookEntry:
    """Sets the price from a date on; setting the same day again replaces that day's price."""
    entry, _ = PriceBookEntry.objects.update_or_create(
        workspace=workspace,
        kind=kind,
        model_name=model_name,
        effective_from=effective_from,
        defaults={"credits": credits, "note": note, "created_by": user},
    )
    return entry
