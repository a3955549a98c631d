"""Telephony in the Django admin (Telephony → Trunks, then Numbers; Calls to look back).

Trunks and numbers are saved and deleted through ``telephony.provisioning.services``, so that
LiveKit follows; each row shows its sync state with LiveKit and the last error in words.
Passwords are write-only, like voice model keys.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from betool.admin_scoping import WorkspaceScopedAdmin, workspaces_of
from telephony.models import (
    SIP_CODECS,
    Call,
    CallEvent,
    CallTurn,
    PhoneNumber,
    SyncStatus,
    Trunk,
)
from telephony.provisioning.dispatch import LiveKitNotConfigured
from telephony.provisioning.services import (
    livekit_sync_request,
    number_delete,
    number_save,
    outbound_call_place,
    trunk_delete,
    trunk_save,
)
from telephony.selectors import CallRejected, with_call_counters

_SYNC_COLOURS = {
    SyncStatus.SYNCED: "#2e7d32",
    SyncStatus.PENDING: "#9e6a00",
    SyncStatus.ERROR: "#c62828",
}


def _list_field(help_text: str) -> forms.CharField:
    return forms.CharField(
        required=False, help_text=help_text, widget=forms.TextInput(attrs={"size": 60})
    )


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


class TrunkForm(forms.ModelForm):
    """Passwords are never rendered: blank keeps the stored one, a value replaces it.
    Addresses and codecs are typed as comma-separated lists."""

    # Not named like the model's fields, so that the admin never binds them to the model.
    new_password = forms.CharField(
        required=False,
        label="Outbound password",
        widget=forms.PasswordInput(render_value=False),
        help_text="Write-only: leave blank to keep the stored one.",
    )
    remove_password = forms.BooleanField(required=False, label="Remove the outbound password")
    new_inbound_password = forms.CharField(
        required=False,
        label="Inbound password",
        widget=forms.PasswordInput(render_value=False),
        help_text="Write-only: leave blank to keep the stored one.",
    )
    remove_inbound_password = forms.BooleanField(
        required=False, label="Remove the inbound password"
    )
    allowed_addresses = _list_field(
        "Carrier IP addresses or networks, comma-separated (e.g. 203.0.113.10, 198.51.100.0/24)"
    )
    codecs = _list_field(f"Preferred codecs in order, comma-separated: {', '.join(SIP_CODECS)}")

    class Meta:
        model = Trunk
        fields = ["workspace", "name", "direction", "address", "transport", "username",
                  "inbound_username", "allowed_addresses", "codecs", "max_concurrent_calls",
                  "supports_refer"]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("allowed_addresses", "codecs"):
            self.initial[name] = ", ".join(getattr(self.instance, name) or [])

    def clean_allowed_addresses(self) -> list[str]:
        return _split(self.cleaned_data.get("allowed_addresses") or "")

    def clean_codecs(self) -> list[str]:
        return _split(self.cleaned_data.get("codecs") or "")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # On the instance before the model's own validation, which checks credential pairs.
        for name in ("password", "inbound_password"):
            if cleaned.get(f"remove_{name}"):
                setattr(self.instance, name, "")
            elif cleaned.get(f"new_{name}"):
                setattr(self.instance, name, cleaned[f"new_{name}"])
        return cleaned


def _sync_state(obj: Trunk | PhoneNumber) -> str:
    colour = _SYNC_COLOURS[SyncStatus(obj.sync_status)]
    label = SyncStatus(obj.sync_status).label
    if obj.sync_status == SyncStatus.ERROR and obj.sync_error:
        return format_html('<b style="color:{}">{}</b>: {}', colour, label, obj.sync_error)
    return format_html('<b style="color:{}">{}</b>', colour, label)


class ProvisionedAdmin(WorkspaceScopedAdmin):
    """Shared by trunks and numbers: usage columns, sync state, "Sync now", scoped choices."""

    calls_path = "calls"
    readonly_fields = ["sync_status", "sync_error", "synced_at"]
    actions = ["sync_now"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return with_call_counters(super().get_queryset(request), calls=self.calls_path)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        related = db_field.related_model
        if related is not None and any(f.name == "workspace" for f in related._meta.fields):
            kwargs["queryset"] = related.objects.filter(workspace__in=workspaces_of(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="calls today", ordering="calls_today")
    def calls_today(self, obj: Any) -> int:
        return int(obj.calls_today)

    @admin.display(description="active", ordering="calls_active")
    def calls_active(self, obj: Any) -> int:
        return int(obj.calls_active)

    @admin.display(description="LiveKit", ordering="sync_status")
    def sync_state(self, obj: Trunk | PhoneNumber) -> str:
        return _sync_state(obj)

    def _sync(self, request: HttpRequest, **records: Any) -> None:
        livekit_sync_request(**records)
        count = sum(len(list(r)) for r in records.values())
        self.message_user(
            request,
            f"{count} sent to LiveKit; refresh to see the outcome (an error is shown on the row).",
            messages.SUCCESS,
        )


@admin.register(Trunk)
class TrunkAdmin(ProvisionedAdmin):
    form = TrunkForm
    calls_path = "numbers__calls"
    list_display = ["name", "workspace", "direction", "transport", "address", "number_count",
                    "calls_today", "calls_active", "supports_refer", "sync_state",
                    "synced_at"]  # fmt: skip
    list_filter = ["direction", "transport", "sync_status", "supports_refer"]
    search_fields = ["name", "address", "username", "inbound_username", "numbers__e164"]
    readonly_fields = ["livekit_inbound_trunk_id", "livekit_outbound_trunk_id",
                       *ProvisionedAdmin.readonly_fields]  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[Trunk]:
        return super().get_queryset(request).annotate(number_count=Count("numbers", distinct=True))

    @admin.display(description="numbers", ordering="number_count")
    def number_count(self, obj: Any) -> int:
        return int(obj.number_count)

    def save_model(self, request: HttpRequest, obj: Trunk, form: Any, change: bool) -> None:
        trunk_save(trunk=obj)

    def delete_model(self, request: HttpRequest, obj: Trunk) -> None:
        trunk_delete(trunk=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Trunk]) -> None:
        for trunk in queryset:
            trunk_delete(trunk=trunk)

    @admin.action(description="Sync now with LiveKit")
    def sync_now(self, request: HttpRequest, queryset: QuerySet[Trunk]) -> None:
        self._sync(request, trunks=list(queryset))


@admin.register(PhoneNumber)
class PhoneNumberAdmin(ProvisionedAdmin):
    list_display = ["e164", "label", "workspace", "trunk", "pipeline", "enabled",
                    "calls_today", "calls_active", "sync_state", "synced_at"]  # fmt: skip
    list_filter = ["enabled", "sync_status", ("trunk", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["e164", "label", "pipeline__name", "trunk__name"]
    readonly_fields = ["livekit_dispatch_rule_id", *ProvisionedAdmin.readonly_fields]
    list_select_related = ["workspace", "trunk", "pipeline"]
    actions = ["sync_now", "place_test_call"]

    def save_model(self, request: HttpRequest, obj: PhoneNumber, form: Any, change: bool) -> None:
        number_save(number=obj)

    def delete_model(self, request: HttpRequest, obj: PhoneNumber) -> None:
        number_delete(number=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[PhoneNumber]) -> None:
        for number in queryset:
            number_delete(number=number)

    @admin.action(description="Sync now with LiveKit")
    def sync_now(self, request: HttpRequest, queryset: QuerySet[PhoneNumber]) -> None:
        self._sync(request, numbers=list(queryset))

    @admin.action(description="Place a test call (the number calls itself through its trunk)")
    def place_test_call(self, request: HttpRequest, queryset: QuerySet[PhoneNumber]) -> None:
        for number in queryset.select_related("workspace", "trunk"):
            try:
                call = outbound_call_place(
                    workspace=number.workspace, number=number, to_number=number.e164, is_test=True
                )
            except (LiveKitNotConfigured, CallRejected) as exc:
                self.message_user(request, f"{number.e164}: {exc}", messages.ERROR)
                continue
            self.message_user(
                request,
                f"{number.e164}: test call {call.pk} dispatched to the voice worker in room "
                f"{call.room_name}; it dials out through {number.trunk} and should ring back in "
                "on this number (see Calls for how it went).",
                messages.SUCCESS,
            )


class CallTurnInline(admin.TabularInline):
    model = CallTurn
    fields = ("sequence", "user_text", "agent_text", "interrupted", "fallback", "latencies")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class CallEventInline(admin.TabularInline):
    model = CallEvent
    fields = ("occurred_at", "kind", "name", "data")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Call)
class CallAdmin(WorkspaceScopedAdmin):
    """Calls are records of what happened: shown, never edited here."""

    list_display = ["id", "created_at", "direction", "from_number", "to_number", "number",
                    "status", "end_reason", "duration", "is_test"]  # fmt: skip
    list_filter = ["direction", "status", "end_reason", "is_test",
                   ("number", admin.RelatedOnlyFieldListFilter)]  # fmt: skip
    search_fields = ["from_number", "to_number", "room_name", "number__e164"]
    date_hierarchy = "created_at"
    list_select_related = ["number"]
    inlines = [CallTurnInline, CallEventInline]

    @admin.display(description="duration")
    def duration(self, obj: Call) -> str:
        seconds = obj.duration_s
        return "—" if seconds is None else f"{int(seconds) // 60}:{int(seconds) % 60:02d}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
