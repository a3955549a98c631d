"""Voice models API: ASR, TTS and LLM configurations (keys are write-only), usage counters,
connection tests and provider catalogs; and the price book."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from asgiref.sync import async_to_sync
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from betool.access import require
from betool.errors import not_found
from betool.roles import Permission
from voice_models import selectors, services
from voice_models.adapters import ModelConfig
from voice_models.catalog import connection_test
from voice_models.models import VoiceModelKind, VoiceProvider
from voice_models.pricing import BILLABLE_KINDS, DEFAULT_RATES, UNITS, PriceBookEntry

router = Router(tags=["voice models"])
prices_router = Router(tags=["prices"])


class CountersOut(Schema):
    today: Decimal
    month: Decimal
    total: Decimal
    unit: str


class VoiceModelOut(Schema):
    id: int
    name: str
    kind: VoiceModelKind
    provider: VoiceProvider
    model: str
    voice: str
    language: str
    base_url: str
    enabled: bool
    is_default: bool
    has_api_key: bool
    usage: CountersOut
    updated_at: datetime


class VoiceModelIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    kind: VoiceModelKind
    provider: VoiceProvider
    model: str = Field(default="", max_length=120)
    voice: str = Field(default="", max_length=120)
    language: str = Field(default="en", max_length=16)
    base_url: str = Field(default="", max_length=300, pattern=r"^(https?://\S+)?$")
    api_key: str = Field(default="", max_length=500, description="Write-only.")
    enabled: bool = True


class VoiceModelPatch(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    model: str | None = Field(default=None, max_length=120)
    voice: str | None = Field(default=None, max_length=120)
    language: str | None = Field(default=None, max_length=16)
    base_url: str | None = Field(default=None, max_length=300, pattern=r"^(https?://\S+)?$")
    api_key: str | None = Field(
        default=None, max_length=500, description="Write-only; empty string removes the key."
    )
    enabled: bool | None = None


class CatalogIn(Schema):
    """An unsaved configuration, to list what its provider offers before choosing."""

    kind: VoiceModelKind
    provider: VoiceProvider
    base_url: str = Field(default="", max_length=300, pattern=r"^(https?://\S+)?$")
    api_key: str = Field(default="", max_length=500)
    voice_model_id: int | None = Field(
        default=None, description="Use this configuration's stored key when api_key is empty."
    )


class CatalogItemOut(Schema):
    id: str
    name: str


class ConnectionOut(Schema):
    ok: bool
    message: str
    ms: float
    models: list[CatalogItemOut] = []
    voices: list[CatalogItemOut] = []


class PriceOut(Schema):
    id: int | None
    kind: str
    unit: str
    model_name: str
    credits: Decimal
    effective_from: date | None
    note: str


class PriceIn(Schema):
    kind: str = Field(pattern="^(" + "|".join(BILLABLE_KINDS) + ")$")
    model_name: str = Field(default="", max_length=120)
    credits: Decimal = Field(ge=0, max_digits=12, decimal_places=4)
    effective_from: date
    note: str = Field(default="", max_length=200)


def _out(voice_model: Any) -> dict[str, Any]:
    """``voice_model`` carries the usage annotations of ``selectors.with_usage_counters``."""
    return {
        "id": voice_model.pk,
        "name": voice_model.name,
        "kind": voice_model.kind,
        "provider": voice_model.provider,
        "model": voice_model.model,
        "voice": voice_model.voice,
        "language": voice_model.language,
        "base_url": voice_model.base_url,
        "enabled": voice_model.enabled,
        "is_default": voice_model.is_default,
        "has_api_key": bool(voice_model.api_key),
        "usage": {
            "today": voice_model.used_today,
            "month": voice_model.used_this_month,
            "total": voice_model.used_in_all,
            "unit": selectors.UNIT_OF_KIND[voice_model.kind],
        },
        "updated_at": voice_model.updated_at,
    }


def _listed(workspace: Any, **filters: Any) -> list[dict[str, Any]]:
    models = selectors.voice_model_list(workspace=workspace).filter(**filters)
    return [_out(m) for m in selectors.with_usage_counters(models, workspace=workspace)]


@router.get("", response=list[VoiceModelOut])
def voice_model_list(request: HttpRequest, kind: VoiceModelKind | None = None) -> Any:
    actor = require(request, Permission.VOICE_MODELS_VIEW)
    return _listed(actor.workspace, **({"kind": kind} if kind else {}))


@router.post("", response={201: VoiceModelOut})
def voice_model_create(request: HttpRequest, payload: VoiceModelIn) -> Status[Any]:
    actor = require(request, Permission.VOICE_MODELS_MANAGE)
    voice_model = services.voice_model_create(workspace=actor.workspace, **payload.dict())
    return Status(201, _listed(actor.workspace, pk=voice_model.pk)[0])


@router.patch("/{int:voice_model_id}", response=VoiceModelOut)
def voice_model_update(request: HttpRequest, voice_model_id: int, payload: VoiceModelPatch) -> Any:
    actor = require(request, Permission.VOICE_MODELS_MANAGE)
    voice_model = services.voice_model_update(
        workspace=actor.workspace, voice_model_id=voice_model_id, **payload.dict()
    )
    return _listed(actor.workspace, pk=voice_model.pk)[0]


@router.delete("/{int:voice_model_id}", response={204: None})
def voice_model_delete(request: HttpRequest, voice_model_id: int) -> Status[None]:
    actor = require(request, Permission.VOICE_MODELS_MANAGE)
    services.voice_model_delete(workspace=actor.workspace, voice_model_id=voice_model_id)
    return Status(204, None)


def _connection_out(config: ModelConfig) -> dict[str, Any]:
    result = async_to_sync(connection_test)(config)
    catalog = result.catalog
    return {
        "ok": result.ok,
        "message": result.message,
        "ms": round(result.ms, 1),
        "models": [asdict(i) for i in catalog.models] if catalog else [],
        "voices": [asdict(i) for i in catalog.voices] if catalog else [],
    }


def _stored(actor: Any, voice_model_id: int) -> Any:
    voice_model = (
        selectors.voice_model_list(workspace=actor.workspace).filter(pk=voice_model_id).first()
    )
    if voice_model is None:
        raise not_found("Voice model")
    return voice_model


@router.post("/{int:voice_model_id}/test", response=ConnectionOut)
def voice_model_test(request: HttpRequest, voice_model_id: int) -> dict[str, Any]:
    """Reaches the provider with the stored key and lists what it offers; the answer says
    whether it worked, why not, and how long it took."""
    actor = require(request, Permission.VOICE_MODELS_MANAGE)
    return _connection_out(ModelConfig.from_model(_stored(actor, voice_model_id)))


@router.post("/catalog", response=ConnectionOut)
def voice_model_catalog(request: HttpRequest, payload: CatalogIn) -> dict[str, Any]:
    """What a provider offers with this key and address, before the model is saved."""
    actor = require(request, Permission.VOICE_MODELS_MANAGE)
    api_key = payload.api_key
    if not api_key and payload.voice_model_id is not None:
        api_key = services.voice_model_stored_key_for(
            voice_model=_stored(actor, payload.voice_model_id), base_url=payload.base_url
        )
    config = ModelConfig(
        name="catalog",
        kind=payload.kind,
        provider=payload.provider,
        base_url=payload.base_url,
        api_key=api_key,
    )
    return _connection_out(config)


@router.post("/{int:voice_model_id}/default", response=VoiceModelOut)
def voice_model_make_default(request: HttpRequest, voice_model_id: int) -> Any:
    """Makes this language model the workspace's default."""
    actor = require(request, Permission.VOICE_MODELS_MANAGE)
    services.voice_model_set_default(workspace=actor.workspace, voice_model_id=voice_model_id)
    return _listed(actor.workspace, pk=voice_model_id)[0]


@prices_router.get("", response=list[PriceOut])
def price_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Every dated price, and the built-in default of each kind (id null)."""
    actor = require(request, Permission.USAGE_VIEW)
    entries = PriceBookEntry.objects.filter(workspace=actor.workspace)
    defaults = [
        {"id": None, "kind": kind, "unit": UNITS[kind].label, "model_name": "",
         "credits": DEFAULT_RATES[kind], "effective_from": None, "note": "Built-in default"}
        for kind in BILLABLE_KINDS
    ]  # fmt: skip
    return defaults + [
        {"id": e.pk, "kind": e.kind, "unit": UNITS[e.kind].label, "model_name": e.model_name,
         "credits": e.credits, "effective_from": e.effective_from, "note": e.note}
        for e in entries
    ]  # fmt: skip


@prices_router.delete("/{int:price_id}", response={204: None})
def price_delete(request: HttpRequest, price_id: int) -> Status[None]:
    actor = require(request, Permission.PRICES_MANAGE)
    services.price_delete(workspace=actor.workspace, price_id=price_id)
    return Status(204, None)


@prices_router.post("", response={201: PriceOut})
def price_set(request: HttpRequest, payload: PriceIn) -> Status[dict[str, Any]]:
    actor = require(request, Permission.PRICES_MANAGE)
    entry = services.price_set(workspace=actor.workspace, user=actor.user, **payload.dict())
    return Status(
        201,
        {
            "id": entry.pk,
            "kind": entry.kind,
            "unit": UNITS[entry.kind].label,
            "model_name": entry.model_name,
            "credits": entry.credits,
            "effective_from": entry.effective_from,
            "note": entry.note,
        },
    )
