"""Writes of voice model configurations and prices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

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


def voice_model_create(*, workspace: Workspace, **fields: Any) -> VoiceModel:
    _check_provider(fields["kind"], fields["provider"])
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
    """Changes the given fields. ``api_key=None`` keeps the stored key; ``""`` removes it."""
    voice_model = VoiceModel.objects.filter(workspace=workspace, pk=voice_model_id).first()
    if voice_model is None:
        raise not_found("Voice model")
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
